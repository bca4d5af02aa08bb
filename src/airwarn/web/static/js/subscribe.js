// "Get alerts": Web Push from this browser, SMS (confirmed by a code the server texts), or a webhook,
// with threat types, lowest level and quiet hours; the subscription's state is shown on return.
import { api, CONFIG, el } from "./common.js";
import { apiErrorText, lang, placeName, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const KEY = "airwarn-subscription";
let S = null;
let pending = null; // {id, token, phone} while an SMS code is awaited

function saved() { return JSON.parse(localStorage.getItem(KEY) || "null"); }

function say(text, kind = "", id = null) {
  $("sub-msg").replaceChildren(el("p", { class: `msg ${kind}`, role: kind === "error" ? "alert" : null, id }, text));
}

function channelName(ch) { return t(ch === "webpush" ? "ch_push" : ch === "sms" ? "ch_sms" : "ch_webhook"); }

export function initSubscribe(state) {
  S = state;
  if (!CONFIG.features.subscriptions) { $("sub-off").classList.remove("hidden"); return; }
  $("sub-form").classList.remove("hidden");
  const pushable = "serviceWorker" in navigator && "PushManager" in window;
  if (!pushable) $("sub-channel").value = "sms";
  const sync = () => { $("sub-address-row").classList.toggle("hidden", $("sub-channel").value === "webpush"); };
  $("sub-channel").addEventListener("change", sync);
  sync();
  $("sub-form").addEventListener("submit", (ev) => { ev.preventDefault(); subscribe(); });
  $("code-form").addEventListener("submit", (ev) => { ev.preventDefault(); confirmCode(); });
  $("code-resend").addEventListener("click", resendCode);
}

async function pushAddress() {
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) throw new Error("push_none");
  let key;
  try { key = (await api("/api/v1/subscriptions/webpush-key")).public_key; } catch (_) { throw new Error("push_off"); }
  const permission = await Notification.requestPermission();
  if (permission !== "granted") throw new Error("push_denied");
  const reg = await navigator.serviceWorker.register("/static/js/sw.js");
  await navigator.serviceWorker.ready;
  const raw = atob(key.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(key.length / 4) * 4, "="));
  const appKey = Uint8Array.from(raw, (c) => c.charCodeAt(0));
  let sub;
  try { sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: appKey }); } catch (_) { throw new Error("push_none"); }
  return sub.toJSON();
}

async function subscribe() {
  if (!S.point) { say(t("sub_pick"), "error"); return; }
  const channel = $("sub-channel").value;
  let address;
  try {
    address = channel === "webpush" ? await pushAddress() : $("sub-address").value.trim();
  } catch (e) { say(t(e.message), "error"); return; }
  const threats = [...document.querySelectorAll('input[name="threat"]')];
  const chosen = threats.filter((c) => c.checked).map((c) => c.value);
  const body = { channels: [{ channel, address }], lat: S.point[0], lon: S.point[1], districts: S.picked ? [S.picked.code] : [],
    language: lang(), threat_kinds: chosen.length === threats.length ? [] : chosen, min_severity: $("sub-level").value };
  const qs = $("sub-quiet-start").value;
  const qe = $("sub-quiet-end").value;
  if (qs && qe) { body.quiet_start = qs; body.quiet_end = qe; }
  let sub;
  try {
    sub = await api("/api/v1/subscriptions", { method: "POST", body });
  } catch (e) {
    if (e.status === 422 && e.body && e.body.field && /language/.test(e.body.field) && lang() === "uk") {
      try { sub = await api("/api/v1/subscriptions", { method: "POST", body: { ...body, language: "ru" } }); } catch (e2) { say(apiErrorText(e2), "error"); return; }
    } else { say(apiErrorText(e), "error"); return; }
  }
  const record = { id: sub.id, token: sub.token, channel, place: S.picked ? S.picked.code : null, point: S.point };
  localStorage.setItem(KEY, JSON.stringify(record));
  if (channel === "sms" && needsCode(sub)) {
    pending = { ...record, phone: address };
    $("sub-form").classList.add("hidden");
    $("code-form").classList.remove("hidden");
    if (codeSent(sub)) say(t("code_sent", { p: address }), "", "code-sent");
    else say(t("code_unsent"), "error", "code-sent");
    $("sub-code").focus();
    return;
  }
  try {
    await api(`/api/v1/subscriptions/${encodeURIComponent(sub.id)}/confirm`, { method: "POST", body: { token: sub.token } });
  } catch (e) { say(apiErrorText(e), "error"); return; }
  $("sub-msg").replaceChildren();
  showSubscription(S);
}

/** The server texts a code to a phone before anything else is sent (it says so in its answer). */
function needsCode(sub) {
  return (sub.pending || []).some((p) => p.channel === "sms");
}

/** Whether the server could text the code now (it says `code_sent: false` when the gateway refused). */
function codeSent(sub) {
  return (sub.pending || []).filter((p) => p.channel === "sms").every((p) => p.code_sent !== false);
}

async function confirmCode() {
  if (!pending) return;
  const code = $("sub-code").value.trim();
  let out = null;
  try {
    out = await api(`/api/v1/subscriptions/${encodeURIComponent(pending.id)}/confirm`, { method: "POST", body: { token: pending.token, code } });
  } catch (e) {
    say([400, 403, 409, 422].includes(e.status) ? t("code_bad") : apiErrorText(e), "error");
    return;
  }
  if (out && (out.pending || []).some((p) => p.channel === "sms")) { say(t("code_bad"), "error"); return; }
  pending = null;
  $("code-form").classList.add("hidden");
  $("sub-form").classList.remove("hidden");
  $("sub-msg").replaceChildren();
  showSubscription(S);
}

async function resendCode() {
  if (!pending) return;
  try {
    await api(`/api/v1/subscriptions/${encodeURIComponent(pending.id)}/resend-code`, { method: "POST", body: { token: pending.token } });
    say(t("code_sent", { p: pending.phone }), "", "code-sent");
  } catch (e) { say(e.status === 429 ? t("err_rate") : t("code_unsent"), "error"); }
}

/** What happened to the saved subscription, asked from the server (it may have expired meanwhile). */
export async function showSubscription(state) {
  S = state || S;
  const box = $("sub-state");
  const mine = saved();
  if (!mine || !CONFIG.features.subscriptions) { box.replaceChildren(); return; }
  let info = null;
  try {
    const res = await fetch(`/api/v1/subscriptions/${encodeURIComponent(mine.id)}`, { headers: { Accept: "application/json", "X-Subscription-Token": mine.token } });
    if (res.ok) info = await res.json();
    else if (res.status === 404) info = { state: "unsubscribed" };
  } catch (_) { /* offline: say nothing rather than something wrong */ }
  if (!info) return;
  const district = S && S.districts ? S.districts.find((d) => d.properties.code === mine.place) : null;
  const place = district ? placeName(district.properties) : mine.point ? mine.point.map((v) => v.toFixed(3)).join(", ") : "";
  const ch = channelName(mine.channel || "sms");
  const st = info.state;
  const text = st === "active" ? t("sub_active", { place, ch }) : st === "pending" ? t("sub_pending", { ch }) : t("sub_gone", { ch });
  const kids = [el("p", { class: `msg ${st === "active" ? "good" : ""}`, id: "sub-ok", "data-state": st }, text)];
  if (st === "active" || st === "pending") {
    kids.push(el("button", { type: "button", onclick: async () => {
      try {
        await api(`/api/v1/subscriptions/${encodeURIComponent(mine.id)}/unsubscribe`, { method: "POST", body: { token: mine.token } });
      } catch (_) { /* already gone */ }
      localStorage.removeItem(KEY);
      box.replaceChildren();
      say(t("unsubscribed"));
    } }, t("unsubscribe")));
  } else localStorage.removeItem(KEY);
  box.replaceChildren(...kids);
}
