// The bill's charts. Amounts arrive in integer fen and are shown as yuan without float arithmetic.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  function yuan(fen) {
    fen = Math.round(fen);
    var sign = fen < 0 ? "-" : "";
    fen = Math.abs(fen);
    return sign + Math.floor(fen / 100) + "." + String(fen % 100).padStart(2, "0");
  }
  var green = ["#07c160", "#10aeff", "#ffc300", "#fa5151", "#6467f0", "#91d5ff", "#b37feb"];
  var pie = echarts.init(document.getElementById("chart-categories"));
  // No animation: the numbers are there at once (and a screenshot shows the real chart).
  pie.setOption({
    animation: false,
    color: green,
    tooltip: {trigger: "item", formatter: function (p) { return p.name + "：" + yuan(p.value) + " 元（" + p.percent + "%）"; }},
    legend: {bottom: 0},
    series: [{type: "pie", radius: ["35%", "62%"], center: ["50%", "44%"], data: data.categories,
              label: {formatter: function (p) { return p.name + "\n" + yuan(p.value); }}}]
  });
  var bar = echarts.init(document.getElementById("chart-timeline"));
  bar.setOption({
    animation: false,
    color: ["#07c160"],
    grid: {left: 48, right: 12, top: 20, bottom: 28},
    tooltip: {trigger: "axis", formatter: function (ps) { return ps[0].name + "：" + yuan(ps[0].value[1]) + " 元"; }},
    xAxis: {type: "category"},
    yAxis: {type: "value", axisLabel: {formatter: function (v) { return yuan(v).replace(/\.00$/, ""); }}},
    dataset: {source: data.timeline},
    series: [{type: "bar"}]
  });
  window.addEventListener("resize", function () { pie.resize(); bar.resize(); });
})();
