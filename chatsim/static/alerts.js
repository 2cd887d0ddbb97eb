// Template messages (real-time card alerts, notices) as a phone shows them: the title, then each
// field on its own line, instead of their raw JSON. Loaded before chat.js, which calls it.
(function () {
  const LABELS = { time: "时间", amount: "金额", merchant: "商户", balance: "余额", content: "说明" };
  window.onecardTemplateText = function (content) {
    let data;
    try { data = JSON.parse(content); } catch (e) { return null; }
    if (!data || typeof data !== "object") return null;
    const value = (k) => (data[k] && data[k].value) || "";
    const lines = [`【${value("title") || "通知"}】`];
    for (const [key, label] of Object.entries(LABELS)) {
      if (value(key)) lines.push(`${label}：${value(key)}`);
    }
    return lines.join("\n");
  };
})();
