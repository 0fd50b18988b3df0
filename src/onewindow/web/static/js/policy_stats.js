// The policy officer's chart: per award item, the amount awarded by matching, the amount paid and the
// budget cap (万元), drawn with the vendored ECharts.
(function () {
  function draw() {
    var el = document.getElementById("policy-chart");
    if (!el || !window.echarts) return;
    var data = JSON.parse(el.dataset.stats || "[]").reverse();
    var chart = echarts.getInstanceByDom(el) || echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText",  // canvas, not HTML with style= (CSP)
                 valueFormatter: function (v) { return v == null ? "—" : v + " 万元"; } },
      legend: { data: ["可享金额", "已兑现", "资金上限"] },
      grid: { left: 16, right: 40, top: 36, bottom: 24, containLabel: true },
      xAxis: { type: "value", name: "万元" },
      yAxis: { type: "category", data: data.map(function (d) { return d.title; }), axisLabel: { width: 200, overflow: "truncate" } },
      series: [
        { name: "可享金额", type: "bar", data: data.map(function (d) { return d.awarded; }), itemStyle: { color: "#b7202e" } },
        { name: "已兑现", type: "bar", data: data.map(function (d) { return d.paid; }), itemStyle: { color: "#1f7a4d" } },
        { name: "资金上限", type: "scatter", symbol: "diamond", symbolSize: 10,
          data: data.map(function (d) { return d.budget; }), itemStyle: { color: "#b45309" } }
      ]
    }, true);
  }
  document.addEventListener("DOMContentLoaded", draw);
  window.addEventListener("resize", function () {
    var el = document.getElementById("policy-chart");
    var chart = el && window.echarts && echarts.getInstanceByDom(el);
    if (chart) chart.resize();
  });
})();
