// GMBot's owners' dashboard. Telegram opens this page with its launch parameters in the URL
// fragment (tgWebAppData: the signed initData; tgWebAppThemeParams: the colours). Every API
// call carries initData; nothing is kept in cookies or storage.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const launch = new URLSearchParams(location.hash.slice(1));
const initData = launch.get("tgWebAppData") || "";
const state = { texts: {}, group: null, board: null, window: "day" };
const $ = (id) => document.getElementById(id);

function postEvent(type, data) {
  // Telegram's clients listen here (mobile apps through a proxy, the web client in a frame).
  const payload = JSON.stringify({ eventType: type, eventData: data || {} });
  if (window.TelegramWebviewProxy) window.TelegramWebviewProxy.postEvent(type, JSON.stringify(data || {}));
  else if (window.parent !== window) window.parent.postMessage(payload, "https://web.telegram.org");
}

function launchTheme() {
  try { return JSON.parse(launch.get("tgWebAppThemeParams") || "{}"); } catch (_) { return {}; }
}

function applyTheme(theme) {
  for (const [name, value] of Object.entries(theme || {})) {
    // Only colours: a theme parameter never becomes anything but a CSS custom property.
    if (/^[a-z_]+$/.test(name) && /^#[0-9a-fA-F]{3,8}$/.test(String(value))) {
      document.documentElement.style.setProperty(`--tg-theme-${name.replace(/_/g, "-")}`, value);
    }
  }
}

// Telegram tells an open Mini App when the user switches theme: the apps call
// Telegram.WebView.receiveEvent, the web client posts a message to the frame.
function receiveEvent(type, data) {
  if (type === "theme_changed" && data) applyTheme(data.theme_params);
}
window.Telegram = { WebView: { receiveEvent } };
window.addEventListener("message", (event) => {
  if (event.origin !== "https://web.telegram.org") return;
  try {
    const { eventType, eventData } = JSON.parse(event.data);
    receiveEvent(eventType, eventData);
  } catch (_) { /* not Telegram's */ }
});

function t(key) { return state.texts[key] || key; }

function say(text, bad) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("bad", Boolean(bad));
}

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const child of children) node.append(child);
  return node;
}

async function api(path, body) {
  const response = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: { Authorization: `tma ${initData}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify({ request_id: crypto.randomUUID(), ...body }),
  });
  const text = await response.text();
  let data = null;
  try { data = JSON.parse(text); } catch (_) { data = null; }
  return { status: response.status, data, text };
}

function failed(answer) {
  if (answer.status === 401) return say(t("launch"), true);
  if (answer.status === 403) return say(t("forbidden"), true);
  return say(`${t("failed")} ${answer.text}`, true);
}

function drawFunnel() {
  const svg = $("funnel");
  svg.replaceChildren();
  const figures = state.board.funnel[state.window];
  const steps = ["warned", "joined", "unmuted", "via_gmbot"];
  const most = Math.max(1, ...steps.map((s) => figures[s]));
  steps.forEach((step, i) => {
    const height = Math.round((100 * figures[step]) / most);
    const x = 20 + i * 100;
    const bar = document.createElementNS(SVG, "rect");
    for (const [k, v] of Object.entries({ x, y: 115 - height, width: 60, height, rx: 4, class: `bar${i}` })) bar.setAttribute(k, v);
    const value = document.createElementNS(SVG, "text");
    for (const [k, v] of Object.entries({ x: x + 30, y: 110 - height, "text-anchor": "middle", class: "value" })) value.setAttribute(k, v);
    value.textContent = String(figures[step]);
    value.dataset.step = step;
    const name = document.createElementNS(SVG, "text");
    for (const [k, v] of Object.entries({ x: x + 30, y: 135, "text-anchor": "middle" })) name.setAttribute(k, v);
    name.textContent = t(step);
    svg.append(bar, value, name);
  });
  svg.setAttribute("aria-label", steps.map((s) => `${t(s)}: ${figures[s]}`).join(", "));
  $("channels").replaceChildren(...figures.channels.map((channel) => el("li", { className: "channel" },
    el("span", { className: "who", textContent: channel.title }),
    el("span", { className: "note", textContent: `${t("via_gmbot")}: ${channel.via_gmbot}` }))));
  for (const tab of $("windows").children) tab.setAttribute("aria-selected", String(tab.dataset.window === state.window));
}

function drawMuted() {
  const list = $("muted");
  list.replaceChildren();
  if (!state.board.muted.length) list.append(el("li", { textContent: t("muted_none") }));
  for (const member of state.board.muted) {
    const since = new Date(member.since * 1000).toLocaleString(document.documentElement.lang);
    list.append(el("li", { className: "member" },
      el("span", { className: "who", textContent: member.name }),
      el("button", { textContent: t("unmute"), onclick: () => act("unmute", { user_id: member.user_id }) }),
      el("button", { className: "quiet", textContent: t("exempt"), onclick: () => act("exempt", { user_id: member.user_id }) }),
      el("span", { className: "note", textContent: `${member.reason} · ${since}` })));
  }
}

function control(field) {
  if (field.kind === "checkbox") return el("input", { type: "checkbox", name: field.name, checked: field.value });
  if (field.kind === "textarea") return el("textarea", { name: field.name, value: field.value, maxLength: 1000 });
  if (field.kind === "number") return el("input", { type: "number", name: field.name, value: field.value, min: 0 });
  const select = el("select", { name: field.name });
  for (const [value, label] of field.options) select.append(el("option", { value: String(value), textContent: label, selected: value === field.value }));
  return select;
}

function drawSettings(form) {
  state.board.settings = form;
  const node = $("settings");
  node.replaceChildren();
  for (const field of form.fields) {
    node.append(el("label", { className: field.kind === "textarea" ? "wide" : "" }, field.label, control(field)));
  }
  node.append(el("button", { type: "submit", textContent: t("save") }));
}

function formValues() {
  const values = {};
  for (const field of state.board.settings.fields) {
    const input = $("settings").elements.namedItem(field.name);
    let value = field.kind === "checkbox" ? input.checked : input.value;
    if (field.kind === "number" || (field.kind === "select" && typeof field.value === "number")) value = Number(value);
    if (value !== field.value) values[field.name] = value;
  }
  return values;
}

function drawActions() {
  const list = $("actions");
  list.replaceChildren();
  if (!state.board.actions.length) list.append(el("li", { textContent: t("actions_none") }));
  for (const action of state.board.actions) {
    const at = new Date(action.at * 1000).toLocaleString(document.documentElement.lang);
    const row = el("li", {}, el("span", { className: "who", textContent: `${t(`action_${action.kind}`)} · ${action.name}` }));
    if (action.undo) row.append(el("button", { className: "quiet", textContent: t("undo"), onclick: () => act("undo", { action_id: action.action_id }) }));
    row.append(el("span", { className: "note", textContent: at }));
    list.append(row);
  }
}

async function load(groupId) {
  const answer = await api(`/api/groups/${groupId}`);
  if (answer.status !== 200) return failed(answer);
  state.group = groupId;
  state.board = answer.data;
  $("board").hidden = false;
  drawFunnel();
  drawMuted();
  drawSettings(answer.data.settings);
  drawActions();
}

// The board follows what happens in the group; the settings form is left as the owner edits it.
const REFRESH_MS = 5000;

async function refresh() {
  if (document.hidden || state.group === null) return;
  const answer = await api(`/api/groups/${state.group}`);
  if (answer.status !== 200) return;
  state.board = { ...answer.data, settings: state.board.settings };
  drawFunnel();
  drawMuted();
  drawActions();
}

async function act(what, body) {
  const answer = await api(`/api/groups/${state.group}/${what}`, body);
  if (answer.status !== 200) return failed(answer);
  await load(state.group);
  say(t("done"));
}

async function save(event) {
  event.preventDefault();
  const values = formValues();
  if (!Object.keys(values).length) return say(t("saved"));
  const answer = await api(`/api/groups/${state.group}/settings`, { version: state.board.settings.version, values });
  if (answer.status === 409 && answer.data && answer.data.settings) {
    drawSettings(answer.data.settings);
    return say(t("conflict"), true);
  }
  if (answer.status !== 200) return failed(answer);
  drawSettings(answer.data.settings);
  say(t("saved"));
}

async function start() {
  applyTheme(launchTheme());
  postEvent("web_app_ready");
  postEvent("web_app_expand");
  const answer = await api("/api/groups");
  if (answer.status !== 200) return failed(answer);
  const { texts, language, rtl, groups } = answer.data;
  state.texts = texts;
  document.documentElement.lang = language.replace("_", "-");
  document.documentElement.dir = rtl ? "rtl" : "ltr";
  document.title = $("title").textContent = t("title");
  for (const [id, key] of [["funnel-title", "funnel"], ["muted-title", "muted"], ["settings-title", "settings"], ["recent-title", "recent"]]) $(id).textContent = t(key);
  for (const name of ["day", "week", "month"]) {
    $("windows").append(el("button", { className: "quiet", role: "tab", textContent: t(name), onclick: () => { state.window = name; drawFunnel(); } }, ));
    $("windows").lastChild.dataset.window = name;
  }
  $("settings").addEventListener("submit", save);
  if (!groups.length) return say(t("no_groups"));
  const picker = $("group");
  for (const group of groups) picker.append(el("option", { value: String(group.group_id), textContent: group.title }));
  picker.hidden = groups.length < 2;
  picker.addEventListener("change", () => load(picker.value));
  await load(groups[0].group_id);
  setInterval(() => refresh().catch(() => {}), REFRESH_MS);
}

start().catch((error) => say(String(error), true));
