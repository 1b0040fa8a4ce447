// GMBot's owners' dashboard. Telegram opens this page with its launch parameters in the URL
// fragment (tgWebAppData: the signed initData; tgWebAppThemeParams: the colours). Every API
// call carries initData; nothing is kept in cookies or storage.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const launch = new URLSearchParams(location.hash.slice(1));
const initData = launch.get("tgWebAppData") || "";
const state = { texts: {}, group: null, board: null, window: "day" };
const $ = (id) => document.getElementById(id);

// Whether a Telegram client was there to hear it.
function postEvent(type, data) {
  // Telegram's clients listen here (mobile apps through a proxy, the web client in a frame).
  const payload = JSON.stringify({ eventType: type, eventData: data || {} });
  if (window.TelegramWebviewProxy) window.TelegramWebviewProxy.postEvent(type, JSON.stringify(data || {}));
  else if (window.parent !== window) window.parent.postMessage(payload, "https://web.telegram.org");
  else return false;
  return true;
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
  if (type === "popup_closed" && popupClosed) {
    const closed = popupClosed;
    popupClosed = null;
    closed((data || {}).button_id);
  }
}
window.Telegram = { WebView: { receiveEvent } };
window.addEventListener("message", (event) => {
  if (event.origin !== "https://web.telegram.org") return;
  try {
    const { eventType, eventData } = JSON.parse(event.data);
    receiveEvent(eventType, eventData);
  } catch (_) { /* not Telegram's */ }
});

// A question asked in Telegram's own popup (web_app_open_popup, which Telegram answers with
// popup_closed and the button's id), or outside Telegram in the page's dialog: whether the owner
// agreed. Telegram's popup holds at most 256 characters; a longer question is asked in the page.
const POPUP_LIMIT = 256;
let popupClosed = null;

function ask(question) {
  return new Promise((resolve) => {
    const buttons = [{ id: "apply", type: "destructive", text: t("apply") }, { id: "cancel", type: "cancel" }];
    if (question.length <= POPUP_LIMIT && postEvent("web_app_open_popup", { message: question, buttons })) {
      popupClosed = (button) => resolve(button === "apply");
      return;
    }
    const dialog = $("confirm");
    $("confirm-question").textContent = question;
    dialog.returnValue = "";
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "apply"), { once: true });
    dialog.showModal();
  });
}

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

function svgNode(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// A bar per step: [{ step, value, name, note }], each bar's height against the tallest. The
// figures are text too (aria-label, and data-step on each value) for readers and for tests.
function drawBars(svg, bars) {
  svg.replaceChildren();
  const most = Math.max(1, ...bars.map((bar) => bar.value));
  bars.forEach((bar, i) => {
    const height = Math.round((100 * bar.value) / most);
    const x = 20 + i * 100;
    const value = svgNode("text", { x: x + 30, y: 110 - height, "text-anchor": "middle", class: "value" }, bar.note || String(bar.value));
    value.dataset.step = bar.step;
    svg.append(
      svgNode("rect", { x, y: 115 - height, width: 60, height, rx: 4, class: `bar${i}` }),
      value,
      svgNode("text", { x: x + 30, y: 135, "text-anchor": "middle" }, bar.name));
  });
  svg.setAttribute("aria-label", bars.map((bar) => `${bar.name}: ${bar.note || bar.value}`).join(", "));
}

// A channel's funnel: warned without it, joined through GMBot's buttons, unmuted, and of the
// cohorts that joined a window as long 7 and 30 days back, who still follows ("kept/cohort").
function channelChart(channel) {
  const kept = ([following, cohort]) => ({ value: following, note: cohort ? `${following}/${cohort}` : "—" });
  const svg = svgNode("svg", { role: "img", viewBox: "0 0 520 150", preserveAspectRatio: "xMidYMid meet", class: "chart" });
  drawBars(svg, [
    { step: "warned", value: channel.warned, name: t("warned") },
    { step: "via_gmbot", value: channel.via_gmbot, name: t("via_gmbot") },
    { step: "unmuted", value: channel.unmuted, name: t("unmuted") },
    { step: "kept_7", name: t("kept_7"), ...kept(channel.kept_7) },
    { step: "kept_30", name: t("kept_30"), ...kept(channel.kept_30) },
  ]);
  return el("li", { className: "channel" }, el("h3", { textContent: channel.title }), svg);
}

function drawFunnel() {
  const figures = state.board.funnel[state.window];
  drawBars($("funnel"), ["warned", "joined", "unmuted", "via_gmbot"].map((step) => ({ step, value: figures[step], name: t(step) })));
  $("channels").replaceChildren(...figures.channels.map(channelChart));
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

// The settings the owner would not confirm go back to their saved values; other edits stay.
function restore(names) {
  for (const field of state.board.settings.fields) {
    if (!names.includes(field.name)) continue;
    const input = $("settings").elements.namedItem(field.name);
    if (field.kind === "checkbox") input.checked = field.value;
    else input.value = String(field.value);
  }
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
  await send(values, false);
}

// A change that removes people is saved only once the owner confirms it (the API asks: 428).
async function send(values, confirmed) {
  const answer = await api(`/api/groups/${state.group}/settings`, { version: state.board.settings.version, values, confirmed });
  if (answer.status === 428 && answer.data && answer.data.question) {
    if (await ask(answer.data.question)) return send(values, true);
    restore(answer.data.confirm);
    return say("");
  }
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
  for (const choice of ["apply", "cancel"]) {
    const button = $(`confirm-${choice}`);
    button.textContent = t(choice);
    button.addEventListener("click", () => $("confirm").close(choice));
  }
  if (!groups.length) return say(t("no_groups"));
  const picker = $("group");
  for (const group of groups) picker.append(el("option", { value: String(group.group_id), textContent: group.title }));
  picker.hidden = groups.length < 2;
  picker.addEventListener("change", () => load(picker.value));
  await load(groups[0].group_id);
  setInterval(() => refresh().catch(() => {}), REFRESH_MS);
}

start().catch((error) => say(String(error), true));
