// Keeps a push's progress page true without a reload: polls the JSON state each second until the push
// is done (right after 推送 the recipients are still being listed, so the first count is not the last).
(function () {
  const box = document.getElementById("broadcast");
  if (!box || box.dataset.status === "done") return;
  const text = function (id, value) { const el = document.getElementById(id); if (el) el.textContent = value; };
  function cell(row, value) { const td = document.createElement("td"); td.textContent = value; row.appendChild(td); return td; }
  function draw(state) {
    text("broadcast-status", state.status_label);
    const line = document.getElementById("total-line");
    if (state.planned) { line.textContent = "共 "; const b = document.createElement("b"); b.id = "total-count";
      b.textContent = state.total; line.appendChild(b); line.appendChild(document.createTextNode(" 人")); }
    text("sent-count", state.sent); text("failed-count", state.failed); text("pending-count", state.pending);
    const bar = document.getElementById("progress-bar");
    if (state.percent === null) bar.removeAttribute("value"); else { bar.value = state.percent; bar.textContent = state.percent + "%"; }
    const body = document.getElementById("deliveries");
    body.replaceChildren();
    state.deliveries.forEach(function (d) {
      const row = document.createElement("tr");
      cell(row, d.openid); cell(row, d.channel);
      const badge = document.createElement("span"); badge.className = "badge " + d.status; badge.textContent = d.status_label;
      cell(row, "").appendChild(badge); cell(row, d.error); cell(row, d.updated);
      body.appendChild(row);
    });
    if (!state.deliveries.length) {
      const row = document.createElement("tr"); const td = cell(row, state.planned ? "没有可推送的绑定用户" : "正在列出接收人…");
      td.colSpan = 5; body.appendChild(row);
    }
    box.dataset.status = state.status;
    if (state.status === "done") text("live-hint", "");
  }
  function poll() {
    fetch(box.dataset.progress, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (state) { draw(state); if (state.status !== "done") setTimeout(poll, 1000); })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
