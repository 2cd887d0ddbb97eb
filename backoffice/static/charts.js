// Draws the analytics page's charts from the JSON the server embedded (no inline script: the CSP forbids it).
(function () {
  const source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const palette = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#be185d"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    const table = data[canvas.dataset.chart];
    if (!table) return;
    const labels = table.rows.map(function (r) { return r[0]; });
    // Only count columns are drawn; amount columns ("金额") stay in the table and the CSV.
    const datasets = [];
    table.columns.forEach(function (name, i) {
      if (i === 0 || name.indexOf("金额") !== -1) return;
      datasets.push({
        label: name,
        data: table.rows.map(function (r) { return Number(r[i]); }),
        backgroundColor: palette[datasets.length % palette.length],
        borderColor: palette[datasets.length % palette.length],
      });
    });
    new Chart(canvas, {
      type: canvas.dataset.chart === "active" ? "line" : "bar",
      data: { labels: labels, datasets: datasets },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    canvas.dataset.drawn = "1";
  });
})();
