// Charts of figures (the case rates, visit compliance …), drawn with ECharts
// (yiwang/static/vendor/echarts) from data in the page, since the CSP forbids inline
// scripts. Every element with `data-chart` gets a chart:
//
//   <div class="chart" id="rates-chart" data-chart="rates-chart-data"
//        data-chart-colors="#0d6efd #198754 #fd7e14" role="img" aria-label="…"></div>
//   {{ chart|json_script:"rates-chart-data" }}
//
// `data-chart` names the json_script element that holds the data: `labels` (one a bar or
// point), `series` ([{name, data}], a value per label, null for none), `percent` (the
// unit after each value), `links` (where a click on a label or a bar goes: the row's
// drill-down) and `kind` ("bar", the default, or "line"). `data-chart-colors` lists the
// series' colours, separated by spaces.
(function () {
  "use strict";

  function draw(node) {
    var source = document.getElementById(node.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var colors = (node.getAttribute("data-chart-colors") || "").split(/\s+/).filter(Boolean);
    var chart = echarts.init(node, null, { renderer: "canvas" });
    var option = {
      animation: false,
      // Tooltips drawn on the canvas, not as HTML: names stay text, and no inline styles.
      tooltip: {
        trigger: "axis",
        renderMode: "richText",
        valueFormatter: function (value) {
          return value === null || value === undefined ? "—" : value + data.percent;
        },
      },
      legend: { top: 0, show: data.series.length > 1 },
      grid: { left: 48, right: 16, top: data.series.length > 1 ? 40 : 12, bottom: 72 },
      xAxis: {
        type: "category",
        data: data.labels,
        triggerEvent: true,
        axisLabel: { interval: 0, rotate: data.labels.length > 8 ? 40 : 0 },
      },
      yAxis: {
        type: "value",
        min: 0,
        // Per cent: the whole scale; a count: as high as the data goes.
        max: data.percent === "%" ? 100 : null,
        axisLabel: { formatter: "{value}" + data.percent },
      },
      series: data.series.map(function (series) {
        return {
          name: series.name,
          type: data.kind || "bar",
          data: series.data,
          connectNulls: false,
          barMaxWidth: 24,
        };
      }),
    };
    if (colors.length) {
      option.color = colors;
    }
    chart.setOption(option);
    chart.on("click", function (params) {
      var index = params.componentType === "xAxis"
        ? data.labels.indexOf(params.value)
        : params.dataIndex;
      var link = data.links[index];
      if (link) {
        window.location.href = link;
      }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof echarts === "undefined") {
      return;
    }
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();
