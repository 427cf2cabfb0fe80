// The battle map (projects/battle_map.html), drawn with the vendored ECharts
// (yiwang/static/vendor/echarts) from the page's data, since the CSP forbids inline
// scripts:
//
// - `[data-gantt]`: a Gantt of the projects (rows) drawn with custom series: each
//   project's span from its start to its end, tinted with its colour; each milestone a
//   diamond at its due day in its colour (a ring once done); today's line. A slider
//   scrolls the rows, another the months. A click on a row opens the project's panel
//   (its red milestones, its open problems, its latest site photo).
// - `[data-funnel]`: the projects in each stage, as bars.
//
// The panel is built with DOM calls (textContent), never from HTML strings: the names
// and problems are what people typed.
(function () {
  "use strict";

  // "unknown": a project whose lag cannot be counted (a year without its holidays), grey.
  var COLOURS = {
    red: "#dc3545", yellow: "#e0a800", green: "#198754", unknown: "#adb5bd", "": "#adb5bd",
  };
  var COLOUR_INDEX = ["", "green", "yellow", "red", "unknown"];
  var ROWS_SHOWN = 18;
  var ROW_HEIGHT = 30;
  var DAY = 86400000;

  function day(text) {
    return text ? Date.parse(text + "T00:00:00Z") : null;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  // --- the detail panel -----------------------------------------------------------------

  function showPanel(panel, data, project) {
    var labels = data.labels;
    panel.textContent = "";
    panel.setAttribute("data-project", String(project.id));
    var body = element("div", "card-body");
    var head = element("div", "d-flex align-items-start gap-2");
    var title = element("h3", "h6 me-auto mb-1");
    var swatch = element("span", "bm-swatch bm-" + (project.colour || "green"));
    swatch.setAttribute("aria-hidden", "true");
    title.appendChild(swatch);
    title.appendChild(document.createTextNode(" " + project.label));
    head.appendChild(title);
    var close = element("button", "btn-close");
    close.type = "button";
    close.setAttribute("aria-label", labels.close);
    close.addEventListener("click", function () {
      panel.classList.add("d-none");
    });
    head.appendChild(close);
    body.appendChild(head);
    body.appendChild(
      element(
        "p",
        "small text-muted mb-2",
        labels.leader + "：" + (project.leader || "—") + " · " + labels.stage + "：" + project.stage
      )
    );

    var row = element("div", "row g-2");
    var lists = element("div", "col-12 col-md-8");
    lists.appendChild(element("h4", "h6", labels.red));
    var red = element("ul", "small mb-2 panel-red");
    project.red.forEach(function (m) {
      var text = m.name + "（" + labels.due + " " + m.due + "，" + m.lag + " " + labels.late +
        (m.cause ? "，" + m.cause : "") + "）";
      red.appendChild(element("li", "", text));
    });
    if (!project.red.length) {
      red.appendChild(element("li", "text-muted", labels.none));
    }
    lists.appendChild(red);
    lists.appendChild(element("h4", "h6", labels.problems));
    var problems = element("ul", "small mb-2 panel-problems");
    project.problems.forEach(function (p) {
      var item = element("li", "");
      item.appendChild(element("span", "", p.text));
      item.appendChild(element("span", "text-muted", " · " + p.department + " · " + labels.due +
        " " + p.due + (p.overdue === null ? "，—" : p.overdue ? "，" + p.overdue + " " + labels.overdue : "")));
      problems.appendChild(item);
    });
    if (!project.problems.length) {
      problems.appendChild(element("li", "text-muted", labels.none));
    }
    lists.appendChild(problems);
    var link = element("a", "btn btn-sm btn-outline-primary", labels.open);
    link.href = project.url;
    if (project.url.indexOf("#project-") === -1) {
      lists.appendChild(link);
    }
    row.appendChild(lists);

    var side = element("div", "col-12 col-md-4");
    side.appendChild(element("h4", "h6", labels.photo));
    if (project.photo) {
      var img = element("img", "bm-photo rounded border");
      img.src = project.photo;
      img.alt = labels.photo;
      img.loading = "lazy";
      side.appendChild(img);
    } else {
      side.appendChild(element("p", "small text-muted", labels.none));
    }
    row.appendChild(side);
    body.appendChild(row);
    panel.appendChild(body);
    panel.classList.remove("d-none");
    panel.scrollIntoView({ block: "nearest" });
  }

  // --- the Gantt ------------------------------------------------------------------------

  function drawGantt(node) {
    var source = document.getElementById(node.getAttribute("data-gantt"));
    var panel = document.getElementById("project-panel");
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var projects = data.projects;
    var labels = projects.map(function (p) { return p.label; });
    var today = day(data.today);
    var spans = [];
    var marks = [];
    var names = [];
    var lowest = today;
    var highest = today;
    projects.forEach(function (p, i) {
      var start = day(p.start);
      var end = day(p.end);
      spans.push([i, start, end, COLOUR_INDEX.indexOf(p.colour)]);
      lowest = Math.min(lowest, start);
      highest = Math.max(highest, end);
      p.milestones.forEach(function (m) {
        var due = day(m[0]);
        marks.push([i, due, COLOUR_INDEX.indexOf(m[1]), m[2] ? 1 : 0, m[3] === null ? -1 : m[3]]);
        names.push(m[4]);
        lowest = Math.min(lowest, due);
        highest = Math.max(highest, due);
      });
    });
    var shown = Math.min(projects.length, ROWS_SHOWN);
    node.style.height = shown * ROW_HEIGHT + 110 + "px";

    function clip(rect, params) {
      return echarts.graphic.clipRectByRect(rect, {
        x: params.coordSys.x,
        y: params.coordSys.y,
        width: params.coordSys.width,
        height: params.coordSys.height,
      });
    }

    function renderSpan(params, api) {
      var start = api.coord([api.value(1), api.value(0)]);
      var end = api.coord([api.value(2), api.value(0)]);
      var height = api.size([0, 1])[1] * 0.4;
      var shape = clip(
        { x: start[0], y: start[1] - height / 2, width: end[0] - start[0], height: height },
        params
      );
      return shape && {
        type: "rect",
        shape: shape,
        style: { fill: COLOURS[COLOUR_INDEX[api.value(3)] || ""], opacity: 0.25 },
      };
    }

    function renderMark(params, api) {
      var point = api.coord([api.value(1), api.value(0)]);
      var box = params.coordSys;
      if (point[0] < box.x || point[0] > box.x + box.width ||
          point[1] < box.y || point[1] > box.y + box.height) {
        return null;
      }
      var size = Math.min(api.size([0, 1])[1] * 0.32, 8);
      var colour = COLOURS[COLOUR_INDEX[api.value(2)] || ""];
      if (api.value(3)) {
        return {
          type: "circle",
          shape: { cx: point[0], cy: point[1], r: size * 0.8 },
          style: { fill: "#fff", stroke: colour, lineWidth: 2 },
        };
      }
      return {
        type: "polygon",
        shape: {
          points: [
            [point[0], point[1] - size],
            [point[0] + size, point[1]],
            [point[0], point[1] + size],
            [point[0] - size, point[1]],
          ],
        },
        style: { fill: colour, stroke: "#fff", lineWidth: 1 },
      };
    }

    function tooltip(params) {
      var p = projects[params.value[0]];
      if (params.seriesIndex === 0) {
        return p.label + "\n" + p.start + " — " + p.end + "\n" + data.labels.leader + "：" +
          (p.leader || "—");
      }
      var name = names[params.dataIndex];
      var lag = params.value[4];
      var text = p.label + "\n" + name + "\n" + data.labels.due + " " +
        new Date(params.value[1]).toISOString().slice(0, 10);
      if (lag > 0) {
        text += "，" + lag + " " + data.labels.late;
      }
      if (params.value[3]) {
        text += "（" + data.labels.done + "）";
      }
      return text;
    }

    var chart = echarts.init(node, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item", renderMode: "richText", formatter: tooltip },
      grid: { left: 170, right: 36, top: 16, bottom: 56 },
      xAxis: {
        type: "time",
        min: lowest - 15 * DAY,
        max: highest + 15 * DAY,
        position: "top",
        splitLine: { show: true, lineStyle: { color: "#eee" } },
      },
      yAxis: {
        type: "category",
        data: labels,
        inverse: true,
        triggerEvent: true,
        axisTick: { show: false },
        axisLabel: { width: 160, overflow: "truncate" },
      },
      dataZoom: [
        {
          type: "slider",
          yAxisIndex: 0,
          right: 4,
          width: 16,
          startValue: 0,
          endValue: shown - 1,
          showDetail: false,
          filterMode: "filter",
        },
        {
          type: "inside",
          yAxisIndex: 0,
          zoomOnMouseWheel: false,
          moveOnMouseWheel: true,
          moveOnMouseMove: false,
        },
        { type: "slider", xAxisIndex: 0, bottom: 8, height: 18, filterMode: "weakFilter" },
      ],
      series: [
        {
          type: "custom",
          name: "spans",
          renderItem: renderSpan,
          encode: { x: [1, 2], y: 0 },
          data: spans,
          markLine: {
            silent: true,
            symbol: "none",
            lineStyle: { color: "#0d6efd", type: "dashed", width: 2 },
            label: { formatter: data.labels.today, position: "start" },
            data: [{ xAxis: today }],
          },
        },
        {
          type: "custom",
          name: "milestones",
          renderItem: renderMark,
          encode: { x: 1, y: 0 },
          data: marks,
          z: 3,
        },
      ],
    });
    node.gantt = chart; // for the browser tests

    function open(index) {
      if (panel && projects[index]) {
        showPanel(panel, data, projects[index]);
      }
    }

    chart.on("click", function (params) {
      if (params.componentType === "yAxis") {
        open(labels.indexOf(params.value));
      } else if (params.componentType === "series") {
        open(params.value[0]);
      }
    });
    // The table's links to a project without a page of its own open the panel too.
    document.querySelectorAll("a.project-link").forEach(function (link) {
      if (link.getAttribute("href").indexOf("#project-") === -1) {
        return;
      }
      link.addEventListener("click", function (event) {
        var id = Number(link.getAttribute("data-project"));
        var index = projects.findIndex(function (p) { return p.id === id; });
        if (index >= 0) {
          event.preventDefault();
          open(index);
        }
      });
    });
    var wanted = /^#project-(\d+)$/.exec(window.location.hash);
    if (wanted) {
      var index = projects.findIndex(function (p) { return p.id === Number(wanted[1]); });
      if (index >= 0) {
        open(index);
      }
    }
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // --- the funnel ------------------------------------------------------------------------

  function drawFunnel(node) {
    var source = document.getElementById(node.getAttribute("data-funnel"));
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(node, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText" },
      grid: { left: 80, right: 24, top: 8, bottom: 24 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.stages, inverse: true },
      series: [
        {
          type: "bar",
          name: data.label,
          data: data.counts,
          barMaxWidth: 22,
          itemStyle: { color: "#0d6efd" },
          label: { show: true, position: "right" },
        },
      ],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof echarts === "undefined") {
      return;
    }
    document.querySelectorAll("[data-gantt]").forEach(drawGantt);
    document.querySelectorAll("[data-funnel]").forEach(drawFunnel);
  });
})();
