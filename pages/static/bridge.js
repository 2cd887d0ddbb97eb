// WeixinJSBridge where WeChat does not provide one but a frame around the page does: the chat
// simulator's web view. In WeChat (the page on its own, the native bridge present) this does nothing.
// Calls go to the parent as {bridge: "WeixinJSBridge", id, name, args}; the answer comes back as
// {bridge: "WeixinJSBridge.result", id, result}, as WeChat calls back with {err_msg: "…:ok"}.
(function () {
  "use strict";
  if (window.WeixinJSBridge || window.parent === window) { return; }
  var origins = window.location.ancestorOrigins;
  var parentOrigin = origins && origins.length ? origins[0] : "*";
  var pending = {}, seq = 0;
  function post(message) { window.parent.postMessage(message, parentOrigin); }
  window.WeixinJSBridge = {
    invoke: function (name, args, callback) {
      seq += 1;
      pending[seq] = callback;
      post({bridge: "WeixinJSBridge", id: seq, name: name, args: args || {}});
    },
    call: function (name) { this.invoke(name, {}, null); },
    on: function () {}
  };
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.source !== window.parent || !data || data.bridge !== "WeixinJSBridge.result") { return; }
    var callback = pending[data.id];
    delete pending[data.id];
    if (typeof callback === "function") { callback(data.result); }
  });
  post({bridge: "WeixinJSBridge.page", title: document.title, url: window.location.href});
  setTimeout(function () { document.dispatchEvent(new Event("WeixinJSBridgeReady")); }, 0);
})();
