// Follows a running reconciliation: shows the stage it is at each second, and reloads once it has ended
// so the findings appear.
(function () {
  const box = document.getElementById("run");
  if (!box || box.dataset.status !== "running") return;
  function poll() {
    fetch(box.dataset.state, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (state) {
        if (state.status !== "running") { window.location.reload(); return; }
        const stage = document.getElementById("run-stage");
        if (stage) stage.textContent = state.stage + "…（页面自动更新）";
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
