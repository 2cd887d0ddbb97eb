// Behaviour every page shares: leaving for the conversation, and the endless statement list.
(function () {
  "use strict";
  function closePage() {
    if (window.WeixinJSBridge) { window.WeixinJSBridge.invoke("closeWindow", {}, function () {}); }
    else { history.back(); }
  }
  document.querySelectorAll("[data-close]").forEach(function (a) {
    a.addEventListener("click", function (e) { e.preventDefault(); closePage(); });
  });
  document.querySelectorAll("[data-say]").forEach(function (a) {
    a.addEventListener("click", function (e) {
      e.preventDefault();
      document.getElementById("say-text").textContent = a.getAttribute("data-say");
      document.getElementById("say-hint").hidden = false;
    });
  });

  var list = document.getElementById("lines");
  var status = document.getElementById("loadmore");
  if (!list || !list.dataset.more) { return; }
  var more = list.dataset.more, shown = Number(list.dataset.shown), busy = false, done = false;
  function cell(r) {
    var div = document.createElement("div");
    div.className = "weui-cell line";
    var bd = document.createElement("div"); bd.className = "weui-cell__bd";
    var p1 = document.createElement("p"); p1.textContent = r.merchant;
    var p2 = document.createElement("p"); p2.className = "sub"; p2.textContent = r.at + " · " + r.kind;
    bd.append(p1, p2);
    var ft = document.createElement("div"); ft.className = "weui-cell__ft";
    var p3 = document.createElement("p"); p3.className = "amount" + (r.income ? " income" : ""); p3.textContent = r.amount;
    var p4 = document.createElement("p"); p4.className = "sub"; p4.textContent = "余额 " + r.balance;
    ft.append(p3, p4);
    div.append(bd, ft);
    return div;
  }
  function load() {
    if (busy || done) { return; }
    busy = true;
    fetch(more + (more.indexOf("?") < 0 ? "?" : "&") + "offset=" + shown, {credentials: "same-origin"})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
      .then(function (res) {
        if (!res.ok) { status.textContent = res.body.error || "加载失败"; done = true; return; }
        res.body.rows.forEach(function (r) { list.appendChild(cell(r)); });
        shown += res.body.rows.length;
        list.dataset.shown = String(shown);
        done = res.body.done || res.body.rows.length === 0;
        status.textContent = done ? "已全部显示" : "加载中…";
      })
      .catch(function () { status.textContent = "网络不给力，下拉重试"; })
      .finally(function () { busy = false; if (!done && near()) { load(); } });
  }
  function near() { return status.getBoundingClientRect().top < window.innerHeight + 200; }
  new IntersectionObserver(function (entries) {
    if (entries.some(function (e) { return e.isIntersecting; })) { load(); }
  }, {rootMargin: "200px"}).observe(status);
})();
