// The chat simulator's page: one tab is one simulated follower (its openid is in the URL).
// Sections, in order: state, followers, the conversation, talking to the platform, what arrives
// (messages, refused sends, SMS and their toast), the custom menu, phone width, start. Add a feature as a section
// of small functions of its own and hook it in at "start".
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const FOLLOWERS = "chatsim.followers";
  const sentKey = (openid) => `chatsim.sent.${openid}`;
  const followingKey = (openid) => `chatsim.following.${openid}`;
  const items = [];            // the conversation: {at, kind: in|out|note, text, seq?, failed?, template?, refusal?}
  const seen = new Set();      // seq of messages already shown
  let openid = new URLSearchParams(location.search).get("openid");
  const created = !openid;

  function newOpenid() {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    return "sim_" + Array.from(bytes, (b) => alphabet[b % 64]).join("");
  }
  const load = (key, fallback) => { try { return JSON.parse(localStorage.getItem(key)) ?? fallback; } catch { return fallback; } };
  const save = (key, value) => localStorage.setItem(key, JSON.stringify(value));

  if (created) {
    openid = newOpenid();
    history.replaceState(null, "", `?openid=${encodeURIComponent(openid)}`);
  }
  $("openid").textContent = openid;
  document.title = `${openid.slice(0, 12)}… · 聊天模拟器`;

  // -- followers known to this browser, shared by its tabs -------------------------------------
  function remember() {
    const list = load(FOLLOWERS, []);
    if (!list.includes(openid)) { list.push(openid); save(FOLLOWERS, list.slice(-30)); }
    renderFollowers();
  }
  function renderFollowers() {
    const ul = $("followers");
    ul.replaceChildren(...load(FOLLOWERS, []).map((o) => {
      const li = document.createElement("li");
      if (o === openid) li.className = "current";
      const a = document.createElement("a");
      a.href = `?openid=${encodeURIComponent(o)}`;
      a.textContent = o;
      li.append(a);
      return li;
    }));
  }
  function setFollowing(on) {
    save(followingKey(openid), on);
    const badge = $("follow-state");
    badge.textContent = on ? "已关注" : "未关注";
    badge.classList.toggle("on", on);
  }
  window.addEventListener("storage", renderFollowers);

  // -- the conversation ---------------------------------------------------------------------------
  function add(item) {
    items.push(item);
    items.sort((a, b) => a.at - b.at);
    render();
  }
  function timeLabel(at) {
    return new Date(at * 1000).toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" });
  }
  function render() {
    const box = $("conversation");
    const nodes = [];
    let last = 0;
    for (const item of items) {
      if (item.at - last > 180) nodes.push(note(timeLabel(item.at), "time"));
      last = item.at;
      if (item.kind === "note") nodes.push(note(item.text, item.refusal ? "refusal" : "event"));
      else nodes.push(item.template ? templateMessage(item) : bubble(item));
    }
    box.replaceChildren(...nodes);
    box.scrollTop = box.scrollHeight;
  }
  function note(text, kind) {
    const div = document.createElement("div");
    div.className = `note ${kind}`;
    const span = document.createElement("span");
    span.textContent = text;
    div.append(span);
    return div;
  }
  function bubble(item) {
    const div = document.createElement("div");
    div.className = `msg ${item.kind}${item.failed ? " failed" : ""}`;
    if (item.seq) div.dataset.seq = item.seq;
    const avatar = document.createElement("div");
    avatar.className = "avatar";
    avatar.textContent = item.kind === "in" ? "卡" : "我";
    const text = document.createElement("div");
    text.className = `bubble ${item.kind}${item.card ? " card" : ""}`;
    text.textContent = item.text;
    if (item.kind === "in" && window.webView) window.webView.linkify(text, openid);
    if (item.failed) text.title = item.failed;
    div.append(avatar, text);
    return div;
  }

  // A template message: the account's avatar beside a service-notification card (templatecard.js).
  function templateMessage(item) {
    const div = document.createElement("div");
    div.className = "msg in template";
    div.dataset.seq = item.seq;
    const avatar = document.createElement("div");
    avatar.className = "avatar";
    avatar.textContent = "卡";
    div.append(avatar, window.templateCard(item.template, item.at, openid));
    return div;
  }

  // -- talking to the platform, as WeChat would ---------------------------------------------------
  async function post(path, body, summary) {
    let data;
    try {
      const answer = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                         body: JSON.stringify(body) });
      data = await answer.json();
    } catch (err) {
      data = { accepted: false, status: 0, answer: String(err), xml: "" };
    }
    wire(`→ ${summary} · ${data.status ?? "?"} ${data.answer ?? data.error ?? ""}`, data.xml, !data.accepted);
    return data;
  }
  function keep(item) {
    const sent = load(sentKey(openid), []);
    sent.push(item);
    save(sentKey(openid), sent.slice(-200));
    add(item);
  }
  async function sendText(text) {
    const item = { at: Date.now() / 1000, kind: "out", text };
    keep(item);
    const data = await post("api/say", { openid, text }, `文本 “${text}”`);
    if (!data.accepted) { item.failed = `${data.status} ${data.answer ?? data.error}`; render(); }
  }
  async function sendEvent(event, key, text) {
    keep({ at: Date.now() / 1000, kind: "note", text });
    const body = key === undefined ? { openid, event } : { openid, event, key };
    return post("api/event", body, key === undefined ? event : `${event} ${key}`);
  }
  async function follow() { setFollowing(true); await sendEvent("subscribe", undefined, "你关注了公众号"); }
  async function unfollow() { setFollowing(false); await sendEvent("unsubscribe", undefined, "你取消了关注"); }

  // -- what the account sent this follower, what WeChat refused it, and new SMS, pushed as they arrive --
  let lastSeq = 0;
  let lastRefusal = 0;
  let lastSms = 0;
  let connectedAt = 0;         // SMS lines arriving right after (re)connecting are the backlog, not news
  function listen() {
    const url = new URL(`api/live?openid=${encodeURIComponent(openid)}&after=${lastSeq}&sms_after=${lastSms}`
                        + `&refusals_after=${lastRefusal}`, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url);
    socket.addEventListener("open", () => { connectedAt = Date.now(); document.body.classList.add("connected"); });
    socket.addEventListener("message", (event) => {
      const data = JSON.parse(event.data);
      if (data.type === "message") received(data.message);
      else if (data.type === "refusal") refused(data.refusal);
      else if (data.type === "sms") smsLine(data.sms);
      else if (data.type === "trouble") wire(`!! ${data.what}`, "", true);
    });
    // A restarted server or a sleeping laptop: come back and carry on from the last ids seen.
    socket.addEventListener("close", () => {
      document.body.classList.remove("connected");
      setTimeout(listen, 1000);
    });
  }
  function received(m) {
    lastSeq = Math.max(lastSeq, m.seq);
    if (seen.has(m.seq)) return;
    seen.add(m.seq);
    if (m.template) {
      add({ at: m.at, kind: "in", seq: m.seq, template: m.template, text: m.content });
      wire(`← 模板消息 #${m.seq} ${m.template.template_id}`, JSON.stringify(m.raw, null, 1), false);
      return;
    }
    const card = m.msgtype !== "text";
    const template = m.msgtype === "template" && window.onecardTemplateText ? window.onecardTemplateText(m.content) : null;
    add({ at: m.at, kind: "in", seq: m.seq, card, text: template || (card ? `[${m.msgtype}] ${m.content}` : m.content) });
    wire(`← ${m.msgtype} #${m.seq}`, JSON.stringify(m.raw, null, 1), false);
  }
  // A send WeChat refused by its rules reached nobody: a grey line says so, worded by the server
  // (chatsim/refusals.py), and the wire shows WeChat's answer.
  function refused(r) {
    if (r.seq <= lastRefusal) return;
    lastRefusal = r.seq;
    add({ at: r.at, kind: "note", refusal: true, text: r.note });
    wire(`✕ ${r.api === "template" ? "模板消息" : "客服消息"}被拒 · ${r.errcode} ${r.errmsg}`, "", true);
  }
  function smsLine(line) {
    lastSms = Math.max(lastSms, line.n);
    const li = document.createElement("li");
    li.className = "sms";
    li.dataset.phone = line.phone;
    li.dataset.n = line.n;
    const phone = document.createElement("span");
    phone.className = "phone-no";
    phone.textContent = line.phone;
    li.append(phone);
    // The six-digit code is what the student looks for: mark it.
    for (const part of String(line.text).split(/(\d{6})/)) {
      if (/^\d{6}$/.test(part)) {
        const b = document.createElement("b");
        b.className = "code";
        b.textContent = part;
        li.append(b);
      } else {
        li.append(document.createTextNode(part));
      }
    }
    const list = $("sms");
    list.append(li);
    while (list.children.length > 100) list.firstChild.remove();
    list.scrollTop = list.scrollHeight;
    const code = String(line.text).match(/\d{6}/);
    if (code && Date.now() - connectedAt > BACKLOG_MS) smsToast(code[0], line.phone);
  }

  // The newest SMS code over the conversation, as a phone shows a notification; a tap hides it.
  const BACKLOG_MS = 1500;
  const TOAST_MS = 12000;
  let toastTimer = 0;
  function smsToast(code, phone) {
    const toast = $("sms-toast");
    const head = document.createElement("span");
    head.textContent = "短信验证码";
    const digits = document.createElement("b");
    digits.textContent = code;
    const to = document.createElement("small");
    to.textContent = `发往 ${phone} · 轻触关闭`;
    toast.replaceChildren(head, digits, to);
    toast.dataset.code = code;
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toast.hidden = true; }, TOAST_MS);
  }
  function wire(summary, detail, bad) {
    const li = document.createElement("li");
    if (bad) li.className = "bad";
    if (detail) {
      const details = document.createElement("details");
      const head = document.createElement("summary");
      head.textContent = summary;
      const pre = document.createElement("pre");
      pre.textContent = detail;
      details.append(head, pre);
      li.append(details);
    } else {
      li.textContent = summary;
    }
    const list = $("wire");
    list.append(li);
    while (list.children.length > 60) list.firstChild.remove();
    list.scrollTop = list.scrollHeight;
  }

  // -- the custom menu ------------------------------------------------------------------------------
  function closeSubmenus(except) {
    document.querySelectorAll(".submenu.open").forEach((s) => { if (s !== except) s.classList.remove("open"); });
  }
  // Centred above its own button; a menu wider than the screen allows is nudged back inside it, its
  // pointer staying on the button.
  function placeSubmenu(menu, top) {
    menu.style.removeProperty("--shift");
    menu.style.removeProperty("--arrow");
    const screen = menu.closest(".screen").getBoundingClientRect();
    const box = menu.getBoundingClientRect();
    const margin = 6;
    const shift = Math.max(0, screen.left + margin - box.left) - Math.max(0, box.right - (screen.right - margin));
    if (shift) {
      menu.style.setProperty("--shift", `${shift}px`);
      const button = top.getBoundingClientRect();
      menu.style.setProperty("--arrow", `${button.left + button.width / 2 - (box.left + shift)}px`);
    }
  }
  function toggleSubmenu(menu, top) {
    closeSubmenus(menu);
    if (menu.classList.toggle("open")) placeSubmenu(menu, top);
  }
  function press(button) {
    closeSubmenus();
    if (button.type === "click") return sendEvent("CLICK", button.key, `点击菜单「${button.name}」`);
    if (button.type === "view") {
      if (window.webView) window.webView.open(button.url, openid, button.name);
      else window.open(button.url, "_blank", "noopener");
      return sendEvent("VIEW", button.url, `打开「${button.name}」`);
    }
    keep({ at: Date.now() / 1000, kind: "note", text: `「${button.name}」（${button.type}）在模拟器中不可用` });
  }
  function menuButton(button, className) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = button.name;
    if (button.key) b.dataset.key = button.key;
    return b;
  }
  function renderMenu(buttons) {
    const bar = $("menu");
    bar.replaceChildren(...buttons.map((button) => {
      const item = document.createElement("div");
      item.className = "menu-item";
      const top = menuButton(button, "menu-button");
      item.append(top);
      const subs = button.sub_button || [];
      if (subs.length) {
        top.textContent = `≡ ${button.name}`;
        const menu = document.createElement("div");
        menu.className = "submenu";
        for (const sub of subs) {
          const b = menuButton(sub, "menu-button sub");
          b.addEventListener("click", () => press(sub));
          menu.append(b);
        }
        item.append(menu);
        top.addEventListener("click", () => toggleSubmenu(menu, top));
      } else {
        top.addEventListener("click", () => press(button));
      }
      return item;
    }));
  }

  // -- phone width: the developer panels fold behind 调试 -----------------------------------------------
  function showDevPanels(open) {
    document.body.classList.toggle("dev-open", open);
    $("dev-toggle").setAttribute("aria-expanded", String(open));
    if (!open) render();  // back to the conversation, scrolled to its end
  }

  // -- start ----------------------------------------------------------------------------------------
  $("input-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("text").value.trim();
    if (!text) return;
    $("text").value = "";
    sendText(text);
  });
  $("dev-toggle").addEventListener("click", () => showDevPanels(true));
  $("dev-close").addEventListener("click", () => showDevPanels(false));
  $("sms-toast").addEventListener("click", (event) => { event.currentTarget.hidden = true; });
  document.addEventListener("click", (event) => { if (!event.target.closest("#menu")) closeSubmenus(); });
  $("follow").addEventListener("click", follow);
  $("unfollow").addEventListener("click", unfollow);
  $("new-follower").addEventListener("click", () => { location.href = "./"; });
  $("open-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const other = $("open-openid").value.trim();
    if (other) location.href = `?openid=${encodeURIComponent(other)}`;
  });

  for (const item of load(sentKey(openid), [])) items.push(item);
  render();
  remember();
  setFollowing(load(followingKey(openid), !created));
  fetch("api/info").then((r) => r.json()).then((info) => {
    $("account").textContent = info.account;
    $("callback-url").textContent = info.callback_url;
    $("sms-path").textContent = info.sms_sink;
    $("mode").textContent = info.safe_mode ? "，内容加密（安全模式）" : "（明文模式，内容不加密）";
    renderMenu(info.menu);
    $("menu").title = `菜单来源：${info.menu_source}`;
  });
  listen();
  if (created) follow();  // a new follower starts by following the account, as on a phone
})();
