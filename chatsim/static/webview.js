// The phone's web view: a page of the web process opened from a `view` menu button or a link in
// a message, beside the conversation, as WeChat opens it. The simulated WeChat client says who is
// signed in with the `wxsim_openid` cookie (cookies ignore the port, so the WeChat simulator's
// authorize page on the simulator port reads it), then the frame follows the real redirects:
// page -> authorize -> /m/auth?code&state -> page.
//
// A page talks to the web view through WeixinJSBridge (pages/static/bridge.js posts here):
// `webView.handlers[name] = (args, reply) => …` adds a bridge function (closeWindow is built in, and
// getBrandWCPayRequest: WeChat Pay's sheet, answered by the WeChat Pay simulator).
(function () {
  "use strict";
  const panel = document.getElementById("webview");
  const frame = document.getElementById("webview-frame");
  const title = document.getElementById("webview-title");
  const address = document.getElementById("webview-url");
  const trip = document.getElementById("webview-trip");
  let seen = 0;
  let watching = null;
  let shown = null;  // the trip's last step, "显示 …": WeChat's steps go before it, whenever they arrive
  const handlers = {
    closeWindow(_args, reply) { reply({ err_msg: "closeWindow:ok" }); close(); },
    getBrandWCPayRequest(args, reply) { paySheet(args, reply); },
  };

  // WeChat Pay's sheet: what the order is (asked of the simulator by its prepay_id), 支付 or 取消. The
  // simulator checks the page's paySign as WeChat does and answers get_brand_wcpay_request:ok/cancel/fail.
  let paySim = null;
  function paySheet(args, reply) {
    const fail = (why) => reply({ err_msg: "get_brand_wcpay_request:fail", err_desc: why });
    paySim ??= fetch("api/info").then((r) => r.json()).then((info) => info.pay_sim_url);
    paySim.then((base) => fetch(`${base}_sim/order?package=${encodeURIComponent(args.package || "")}`)
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error("unknown order"))))
      .then((order) => {
        const sheet = document.getElementById("paysheet");
        document.getElementById("paysheet-what").textContent = order.description || "";
        document.getElementById("paysheet-amount").textContent = `¥${order.amount}`;
        const answer = (action) => {
          sheet.hidden = true;
          fetch(`${base}_sim/pay`, { method: "POST", headers: { "Content-Type": "text/plain" },
                                     body: JSON.stringify({ pay: args, action }) })
            .then((r) => r.json())
            .then((res) => reply({ err_msg: res.err_msg, err_desc: res.reason || "" }))
            .catch(() => fail("模拟器不可用"));
        };
        document.getElementById("paysheet-pay").onclick = () => answer("pay");
        document.getElementById("paysheet-cancel").onclick = () => answer("cancel");
        sheet.hidden = false;
      }))
      .catch(() => fail("模拟器不可用"));
  }

  function open(url, openid, name) {
    document.cookie = `wxsim_openid=${encodeURIComponent(openid)}; path=/; SameSite=Lax`;
    title.textContent = name || "加载中…";
    address.textContent = url;
    trip.replaceChildren(step(`打开 ${new URL(url).pathname}`));
    shown = null;
    panel.hidden = false;
    frame.src = url;
    watch(openid);
  }
  function close() {
    panel.hidden = true;
    document.getElementById("paysheet").hidden = true;
    frame.src = "about:blank";
    clearInterval(watching);
  }

  // What WeChat did on the way (the simulator's journal): silent snsapi_base authorization, the code
  // our server traded for the openid. A returning session goes straight to the page: nothing here.
  function step(text, bad) {
    const li = document.createElement("li");
    li.textContent = text;
    if (bad) li.className = "bad";
    return li;
  }
  function describe(e) {
    if (e.step === "authorize") return step(`微信网页授权（snsapi_base，静默）：code ${e.code} → ${new URL(e.redirect_uri).pathname}`);
    if (e.errcode) return step(`服务器用 code ${e.code} 换 openid：被拒绝（${e.errcode}）`, true);
    return step(`服务器用 code ${e.code} 换得 openid ${e.openid}，登录页面`);
  }
  function watch(openid) {
    clearInterval(watching);
    let rounds = 0;
    const poll = () => fetch(`api/oauth?openid=${encodeURIComponent(openid)}&after=${seen}`)
      .then((r) => r.json())
      .then((found) => {
        for (const e of found) { seen = Math.max(seen, e.seq); trip.insertBefore(describe(e), shown); }
      })
      .catch(() => {});
    poll();
    watching = setInterval(() => { if (++rounds > 20) clearInterval(watching); else poll(); }, 300);
  }

  window.addEventListener("message", (event) => {
    const data = event.data;
    if (event.source !== frame.contentWindow || !data || typeof data.bridge !== "string") return;
    if (data.bridge === "WeixinJSBridge.page") {
      title.textContent = data.title || "";
      address.textContent = data.url || "";
      if (data.url) {
        shown?.remove();
        shown = step(`显示 ${new URL(data.url).pathname}`);
        trip.append(shown);
      }
      return;
    }
    if (data.bridge !== "WeixinJSBridge") return;
    const reply = (result) => event.source.postMessage(
      { bridge: "WeixinJSBridge.result", id: data.id, result }, event.origin);
    const handler = handlers[data.name];
    if (handler) handler(data.args || {}, reply);
    else reply({ err_msg: `${data.name}:fail_not_supported_in_simulator` });
  });

  // Links in a message (<a href="…">…</a>, as WeChat shows them) open here too.
  const LINK = /<a href="(https?:\/\/[^"<>]+)">([^<]*)<\/a>/g;
  function linkify(element, openid) {
    const text = element.textContent;
    if (!LINK.test(text)) return;
    LINK.lastIndex = 0;
    const parts = [];
    let last = 0;
    for (const match of text.matchAll(LINK)) {
      parts.push(document.createTextNode(text.slice(last, match.index)));
      const a = document.createElement("a");
      a.href = match[1];
      a.textContent = match[2];
      a.className = "msg-link";
      a.addEventListener("click", (event) => { event.preventDefault(); open(match[1], openid, match[2]); });
      parts.push(a);
      last = match.index + match[0].length;
    }
    parts.push(document.createTextNode(text.slice(last)));
    element.replaceChildren(...parts);
  }

  document.getElementById("webview-close").addEventListener("click", close);
  window.webView = { open, close, handlers, linkify };
})();
