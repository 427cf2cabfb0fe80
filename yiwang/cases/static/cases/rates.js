// The rates page's chart: the three rates of each row of the table, drawn with ECharts
// (yiwang/static/vendor/echarts) from the page's json_script element, since the CSP
// forbids inline scripts. Bars for areas, departments and categories; lines for months.
// A click on a label or a bar opens what the table's first column links to.
(function () {
  "use strict";

  function draw() {
    var node = document.getElementById("rates-chart");
    var source = document.getElementById("rates-chart-data");
    if (!node || !source || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(node, null, { renderer: "canvas" });
    var colors = ["#0d6efd", "#198754", "#fd7e14"];
    chart.setOption({
      color: colors,
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
        return {
          name: series.name,
          type: data.kind,
          data: series.data,
          connectNulls: false,
          barMaxWidth: 24,
        };
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
