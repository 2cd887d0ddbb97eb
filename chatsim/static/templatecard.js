// A template message as WeChat shows it in the account's chat: a service-notification card (服务通知),
// not a bubble. Its title in bold, the time under it, one row per field (label grey, value), then a
// divider and 详情 > when the message links a page, which opens like a link in a message does.
// chat.js calls window.templateCard(entry.template, entry.at, openid) for a /_sim/messages entry
// whose `template` is set: {template_id, title, fields: [[label, value], …], url}.
(function () {
  "use strict";
  const el = (tag, className, text) => {
    const e = document.createElement(tag);
    e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  function cardTime(at) {
    const d = new Date(at * 1000);
    const two = (n) => String(n).padStart(2, "0");
    return `${d.getMonth() + 1}月${d.getDate()}日 ${two(d.getHours())}:${two(d.getMinutes())}`;
  }
  window.templateCard = function (template, at, openid) {
    const card = el("div", "tmpl-card");
    card.dataset.templateId = template.template_id || "";
    card.append(el("div", "tmpl-title", template.title || "服务通知"), el("div", "tmpl-time", cardTime(at)));
    const fields = el("dl", "tmpl-fields");
    for (const [label, value] of template.fields || []) {
      const row = el("div", "tmpl-field");
      row.append(el("dt", "", label), el("dd", "", value));
      fields.append(row);
    }
    card.append(fields);
    if (template.url) {
      const more = el("a", "tmpl-more");
      more.href = template.url;
      more.append(el("span", "", "详情"), el("span", "tmpl-arrow"));
      more.addEventListener("click", (event) => {
        event.preventDefault();
        if (window.webView) window.webView.open(template.url, openid, template.title);
        else window.open(template.url, "_blank", "noopener");
      });
      card.append(more);
    }
    return card;
  };
})();
