// The compliance page's chart: the done rate and the visit coverage of each child area,
// drawn with ECharts (yiwang/static/vendor/echarts) from the page's json_script element,
// since the CSP forbids inline scripts. A click on a label or a bar opens the child area
// (or, for a unit, the households due a visit there).
(function () {
  "use strict";

  function draw() {
    var node = document.getElementById("compliance-chart");
    var source = document.getElementById("compliance-chart-data");
    if (!node || !source || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(node, null, { renderer: "canvas" });
    chart.setOption({
      color: ["#198754", "#0d6efd"],
      animation: false,
      // Tooltips drawn on the canvas, not as HTML: names stay text, and no inline styles.
      tooltip: {
        trigger: "axis",
        renderMode: "richText",
        valueFormatter: function (value) {
          return value === null || value === undefined ? "—" : value + data.percent;
        },
      },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 40, bottom: 72 },
      xAxis: {
        type: "category",
        data: data.labels,
        triggerEvent: true,
        axisLabel: { interval: 0, rotate: data.labels.length > 8 ? 40 : 0 },
      },
      yAxis: {
        type: "value",
        min: 0,
        max: 100,
        axisLabel: { formatter: "{value}" + data.percent },
      },
      series: data.series.map(function (series) {
        return { name: series.name, type: "bar", data: series.data, barMaxWidth: 24 };
      }),
    });
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

  document.addEventListener("DOMContentLoaded", draw);
})();
