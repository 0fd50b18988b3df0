// Indicator charts: every element .ow-chart carries its table (data-table: chart type, headers, rows,
// category and value columns); the chart is drawn from exactly those rows. SVG, no animation, so the
// print page (PDF) captures it at once; window.indicatorsDrawn tells the printer it is done.
(function () {
  function num(v) { return typeof v === "number" ? v : null; }
  function option(t) {
    var cats = t.rows.map(function (r) { return String(r[t.x]); });
    var vals = t.rows.map(function (r) { return num(r[t.y]); });
    var base = { animation: false, tooltip: { trigger: "axis", renderMode: "richText" },
      grid: { left: 16, right: 24, top: 36, bottom: 24, containLabel: true } };
    if (t.chart === "tree") {
      var root = { name: "全市", children: [] }, county = null;
      t.rows.forEach(function (r) {
        if (!r[1]) { county = { name: r[0] + "：" + (r[2] === null ? "—" : r[2]), children: [] }; root.children.push(county); }
        else if (county) { county.children.push({ name: r[1] + "：" + (r[2] === null ? "—" : r[2]) }); }
      });
      return { animation: false, tooltip: { renderMode: "richText" },
        series: [{ type: "tree", data: [root], top: 10, left: 60, bottom: 10, right: 200, initialTreeDepth: 2,
                   label: { position: "left", fontSize: 11 }, leaves: { label: { position: "right" } } }] };
    }
    if (t.chart === "line") {
      base.legend = { data: [t.headers[1], "目标值"] };
      base.xAxis = { type: "category", data: cats };
      base.yAxis = { type: "value" };
      base.series = [{ name: t.headers[1], type: "line", data: vals, connectNulls: false, itemStyle: { color: "#1d4ed8" } },
                     { name: "目标值", type: "line", data: t.rows.map(function (r) { return num(r[2]); }),
                       lineStyle: { type: "dashed" }, itemStyle: { color: "#b45309" } }];
      return base;
    }
    base.xAxis = { type: "category", data: cats, axisLabel: { interval: 0, rotate: 30 } };
    base.yAxis = { type: "value", name: t.headers[t.y] };
    base.series = [{ name: t.headers[t.y], type: "bar", data: vals.map(function (v) {
      return { value: v, itemStyle: { color: v !== null && v < 0 && t.key === "gaps" ? "#b7202e" : "#1f7a4d" } }; }) }];
    return base;
  }
  function draw() {
    var els = document.querySelectorAll(".ow-chart");
    for (var i = 0; i < els.length; i++) {
      if (!window.echarts) break;
      var t = JSON.parse(els[i].dataset.table || "{}");
      var chart = echarts.getInstanceByDom(els[i]) || echarts.init(els[i], null, { renderer: "svg" });
      chart.setOption(option(t), true);
    }
    window.indicatorsDrawn = true;
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
