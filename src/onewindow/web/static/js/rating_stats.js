// 好差评 chart: per line of the statistics (department, item, clerk or month), 好评 / 差评 / 默认评价 counts,
// drawn with the vendored ECharts.
(function () {
  function draw() {
    var el = document.getElementById("ratings-chart");
    if (!el || !window.echarts) return;
    var data = JSON.parse(el.dataset.stats || "[]");
    var chart = echarts.getInstanceByDom(el) || echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },  // no HTML (CSP)
      legend: { data: ["好评", "差评", "其中默认评价"] },
      grid: { left: 16, right: 24, top: 36, bottom: 24, containLabel: true },
      xAxis: { type: "category", data: data.map(function (d) { return d.label; }), axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", name: "件" },
      series: [
        { name: "好评", type: "bar", stack: "all", data: data.map(function (d) { return d.good; }), itemStyle: { color: "#1f7a4d" } },
        { name: "差评", type: "bar", stack: "all", data: data.map(function (d) { return d.bad; }), itemStyle: { color: "#b7202e" } },
        { name: "其中默认评价", type: "line", data: data.map(function (d) { return d.defaulted; }), itemStyle: { color: "#b45309" } }
      ]
    }, true);
  }
  document.addEventListener("DOMContentLoaded", draw);
  window.addEventListener("resize", function () {
    var el = document.getElementById("ratings-chart");
    var chart = el && window.echarts && echarts.getInstanceByDom(el);
    if (chart) chart.resize();
  });
})();
