// Draws the bundle's reductions (separate vs bundled) with the vendored ECharts; redraws after htmx swaps.
(function () {
  function draw() {
    var el = document.getElementById("reduction-chart");
    if (!el || !window.echarts) return;
    var data = JSON.parse(el.dataset.reductions || "[]");
    var chart = echarts.getInstanceByDom(el) || echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis", renderMode: "richText" },  // canvas, not HTML with style= (CSP)
      legend: { data: ["逐项办理", "一件事办理"] },
      grid: { left: 16, right: 30, top: 30, bottom: 20, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: data.map(function (d) { return d.label; }) },
      series: [
        { name: "逐项办理", type: "bar", data: data.map(function (d) { return d.separate; }), itemStyle: { color: "#9aa5b1" } },
        { name: "一件事办理", type: "bar", data: data.map(function (d) { return d.bundled; }), itemStyle: { color: "#b7202e" } }
      ]
    }, true);
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
