// The simulated WeChat client's WeixinJSBridge, loaded by the top-up page only where the WeChat Pay
// simulator stands in: getBrandWCPayRequest shows a pay sheet (支付 / 取消) and tells the simulator,
// which checks the paySign as WeChat does; closeWindow goes back to the conversation.
(function () {
  "use strict";
  if (window.WeixinJSBridge) { return; }
  var base = document.currentScript.src.replace(/_sim\/bridge\.js.*$/, "");
  function call(path, data) {
    var init = data ? {method: "POST", headers: {"Content-Type": "text/plain"}, body: JSON.stringify(data)} : {};
    return fetch(base + path, init).then(function (r) { return r.json(); });
  }
  function el(tag, css, text) {
    var e = document.createElement(tag);
    e.style.cssText = css;
    if (text) { e.textContent = text; }
    return e;
  }
  function sheet(params, callback) {
    call("_sim/order?package=" + encodeURIComponent(params.package || "")).then(function (order) {
      var veil = el("div", "position:fixed;inset:0;background:rgba(0,0,0,.5);z-index:9999;display:flex;align-items:flex-end");
      veil.id = "wxpay-sheet";
      var box = el("div", "width:100%;background:#fff;border-radius:12px 12px 0 0;padding:20px 16px 28px;text-align:center;font-family:sans-serif");
      box.append(el("p", "margin:0 0 4px;font-size:15px;color:#555", "微信支付（模拟器）"),
                 el("p", "margin:0;font-size:14px;color:#888", order.description || ""),
                 el("p", "margin:12px 0 20px;font-size:34px;font-weight:600", "¥" + (order.amount || "?")));
      var pay = el("button", "width:100%;padding:12px;border:0;border-radius:8px;background:#07c160;color:#fff;font-size:17px", "支付");
      var cancel = el("button", "width:100%;margin-top:10px;padding:12px;border:0;border-radius:8px;background:#f2f2f2;font-size:17px", "取消");
      pay.id = "wxpay-confirm";
      cancel.id = "wxpay-cancel";
      function answer(action) {
        pay.disabled = cancel.disabled = true;
        call("_sim/pay", {pay: params, action: action}).then(function (res) {
          veil.remove();
          callback({err_msg: res.err_msg, err_desc: res.reason || ""});
        });
      }
      pay.addEventListener("click", function () { answer("pay"); });
      cancel.addEventListener("click", function () { answer("cancel"); });
      box.append(pay, cancel);
      veil.append(box);
      document.body.append(veil);
    }).catch(function () { callback({err_msg: "get_brand_wcpay_request:fail", err_desc: "模拟器不可用"}); });
  }
  window.WeixinJSBridge = {
    invoke: function (name, params, callback) {
      callback = callback || function () {};
      if (name === "getBrandWCPayRequest") { sheet(params || {}, callback); }
      else if (name === "closeWindow") {
        if (window.parent !== window) { window.parent.postMessage({wx: "closeWindow"}, "*"); } else { history.back(); }
        callback({err_msg: "closeWindow:ok"});
      } else { callback({err_msg: name + ":fail_not_supported"}); }
    },
    on: function () {},
  };
  document.dispatchEvent(new Event("WeixinJSBridgeReady"));
})();
