// 充值: pick or type an amount, ask our server for the signed pay request, hand it to WeChat Pay.
(function () {
  "use strict";
  var form = document.getElementById("topup");
  if (!form) { return; }
  var input = document.getElementById("amount"), error = document.getElementById("topup-error");
  var button = document.getElementById("pay");
  function say(text) { error.textContent = text; error.hidden = !text; }
  form.querySelectorAll(".choice").forEach(function (b) {
    b.addEventListener("click", function () {
      form.querySelectorAll(".choice").forEach(function (o) { o.setAttribute("aria-pressed", "false"); });
      b.setAttribute("aria-pressed", "true");
      input.value = b.getAttribute("data-amount");
      say("");
    });
  });
  function done(order, amount) {
    form.hidden = true;
    document.getElementById("topup-done-text").textContent =
      "已支付 " + amount + " 元，到账结果将在对话中通知您（订单号 " + order + "）。";
    document.getElementById("topup-done").hidden = false;
  }
  function pay(answer) {
    function invoke() {
      window.WeixinJSBridge.invoke("getBrandWCPayRequest", answer.pay, function (res) {
        button.disabled = false;
        if (res.err_msg === "get_brand_wcpay_request:ok") { done(answer.order_no, answer.amount); }
        else if (res.err_msg === "get_brand_wcpay_request:cancel") { say("已取消支付，未扣款。"); }
        else { say("支付未完成" + (res.err_desc ? "：" + res.err_desc : "") + "，未扣款。"); }
      });
    }
    if (window.WeixinJSBridge) { invoke(); }
    else { document.addEventListener("WeixinJSBridgeReady", invoke, false); }
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var amount = input.value.trim();
    if (!amount) { say("请选择或输入充值金额。"); return; }
    button.disabled = true;
    say("");
    fetch("/m/api/topup?amount=" + encodeURIComponent(amount),
          {method: "POST", credentials: "same-origin", headers: {"X-Onecard-Page": "1"}})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
      .then(function (res) {
        if (!res.ok) { button.disabled = false; say(res.body.error || "下单失败，请稍后再试。"); return; }
        pay(res.body);
      })
      .catch(function () { button.disabled = false; say("网络不给力，请稍后再试。"); });
  });
})();
