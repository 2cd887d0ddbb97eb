// Draws every chart of a page with Apache ECharts (webassets) from the JSON the server embedded (the CSP
// forbids inline script). Count columns are bars on the left axis; amount columns ("金额") are lines on a
// right axis in yuan, so a day's transactions show how many and how much side by side.
(function () {
  const source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const palette = ["#2563eb", "#16a34a", "#d97706", "#7c3aed", "#dc2626", "#0891b2", "#be185d"];
  document.querySelectorAll("[data-chart]").forEach(function (box) {
    const table = data[box.dataset.chart];
    if (!table) return;
    const money = function (name) { return name.indexOf("金额") !== -1; };
    const series = [];
    table.columns.forEach(function (name, i) {
      if (i === 0) return;
      series.push({
        name: name, type: money(name) ? "line" : (box.dataset.kind || "bar"), yAxisIndex: money(name) ? 1 : 0,
        data: table.rows.map(function (r) { return Number(r[i]); }), symbolSize: 4, smooth: money(name),
      });
    });
    const hasMoney = table.columns.some(money);
    const chart = echarts.init(box, null, { renderer: "canvas" });
    if (box.dataset.kind === "spark") {  // a tile's trend: the line alone, no axes, no legend
      chart.setOption({ animation: false, color: palette, grid: { left: 2, right: 2, top: 4, bottom: 2 },
        tooltip: { trigger: "axis" }, xAxis: { type: "category", show: false, data: table.rows.map(function (r) { return r[0]; }) },
        yAxis: { type: "value", show: false, min: 0 },
        series: [{ type: "line", name: table.columns[1], data: table.rows.map(function (r) { return Number(r[1]); }),
                   symbol: "none", areaStyle: { opacity: 0.15 } }] });
      box.dataset.drawn = "1";
      return;
    }
    chart.setOption({
      animation: false, color: palette,
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: table.rows.map(function (r) { return r[0]; }) },
      yAxis: [{ type: "value", name: "笔数/人数", minInterval: 1 },
              { type: "value", name: "金额（元）", show: hasMoney, splitLine: { show: false } }],
      series: series,
    });
    window.addEventListener("resize", function () { chart.resize(); });
    box.dataset.drawn = "1";
  });
})();
