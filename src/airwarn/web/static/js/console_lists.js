// The console's live lists: alerts (approve, reject, false alarm, delivery with reasons), review queue,
// regimes (proposed ones marked with their pending alert), measures and airports. Updated in place.
import { api, CONFIG, el, reconcile, textTip } from "./common.js";
import { ask } from "./console_dialog.js";
import { $, announce, auth, C, districtName, errText, regionName, say, when, where } from "./console_state.js";
import { CHANNEL, KIND, label, MEASURE, REGIME, SOURCE, STATE } from "./labels.js";

/** A pending alert older than this is highlighted and announced (seconds; `?overdue=S` to change). */
export const OVERDUE_S = Number(new URLSearchParams(location.search).get("overdue")) || 60;

const refresh = () => C.live && C.live.refresh();

// ---- regimes and measures ------------------------------------------------------------------------------
export function renderRegimes(regimes) {
  const box = $("regimes");
  if (!regimes.length) { box.replaceChildren(el("p", { class: "muted" }, "No regime in force or proposed.")); return; }
  let table = box.querySelector("table");
  if (!table) {
    table = el("table", { class: "list" },
      el("thead", {}, el("tr", {}, ["Regime", "Area", "Region", "Since", "State", "Action"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}));
    box.replaceChildren(table);
  }
  reconcile(table.tBodies[0], regimes, (r) => r.id, (r) => JSON.stringify([r.state, r.pending_alert, r.lifted_at]), regimeRow);
}

function regimeRow(r) {
  const area = r.district ? districtName(r.district) : "whole region";
  const proposed = r.state === "proposed";
  const action = proposed
    ? el("button", { type: "button", "data-act": "reject", onclick: () => reject(r.pending_alert, `${label(REGIME, r.kind)} in ${area}`),
      "aria-label": `Reject the proposed ${label(REGIME, r.kind)} in ${area}` }, "Reject…")
    : el("button", { type: "button", "data-act": "lift", onclick: () => lift(r, area), "aria-label": `Lift ${label(REGIME, r.kind)} in ${area}` }, "Lift…");
  return el("tr", { "data-regime": r.kind, "data-district": r.district || "", "data-state": r.state || "in_force", class: proposed ? "proposed" : null },
    el("td", {}, el("span", { class: `badge ${r.kind}` }, label(REGIME, r.kind))),
    el("td", {}, area), el("td", {}, regionName(r.region)), el("td", {}, when(r.declared_at)),
    el("td", {}, proposed
      ? el("span", { class: "badge proposed" }, "proposed — waits for approval of its alert")
      : el("span", { class: "small" }, label(STATE, r.state || "in_force"))),
    el("td", {}, action));
}

async function lift(r, area) {
  const answer = await ask({ title: `Lift ${label(REGIME, r.kind)}?`, ok: `Lift it in ${area}`,
    lines: [`${label(REGIME, r.kind)} in ${area}, ${regionName(r.region)}, in force since ${when(r.declared_at)}.`,
      "Residents get an all-clear for this area; sirens stop."],
    reason: { label: "Reason for lifting", min: 3 } });
  if (!answer.ok) return;
  try {
    await api(`/api/v1/regimes/${encodeURIComponent(r.id)}/lift`, auth({ method: "POST", body: { reason: answer.reason } }));
    say($("action-msg"), `Lifted: ${label(REGIME, r.kind)} in ${area}.`, "good");
  } catch (e) { say($("action-msg"), `Cannot lift: ${errText(e)}`, "error"); }
  refresh();
}

export function renderMeasures(measures) {
  const box = $("measures");
  if (!measures.length) { box.replaceChildren(el("li", { class: "muted", "data-key": "none", "data-sig": "" }, "No measure in force.")); return; }
  reconcile(box, measures, (m) => m.id, (m) => JSON.stringify([m.state, m.ended_at, m.pending_alert]), (m) => {
    const proposed = m.state === "proposed";
    const what = `${label(MEASURE, m.kind)}${m.target ? ` — ${m.target}` : ""}`;
    return el("li", { "data-measure": m.kind, "data-state": m.state || "in_force", class: proposed ? "proposed" : null },
      el("strong", {}, what), ` · ${regionName(m.region)} · since ${when(m.started_at)} `,
      proposed ? el("span", { class: "badge proposed" }, "proposed — waits for approval of its alert") : null,
      proposed
        ? el("button", { type: "button", "data-act": "reject", onclick: () => reject(m.pending_alert, what) }, "Reject…")
        : el("button", { type: "button", "data-act": "end", onclick: () => endMeasure(m, what), "aria-label": `End: ${what}` }, "End…"));
  });
}

async function endMeasure(m, what) {
  const answer = await ask({ title: "End this measure?", ok: "End it", lines: [`${what} in ${regionName(m.region)}, since ${when(m.started_at)}.`],
    reason: { label: "Reason", min: 3 } });
  if (!answer.ok) return;
  try {
    await api(`/api/v1/measures/${encodeURIComponent(m.id)}/end`, auth({ method: "POST", body: { reason: answer.reason } }));
    say($("action-msg"), `Ended: ${what}.`, "good");
  } catch (e) { say($("action-msg"), `Cannot end: ${errText(e)}`, "error"); }
  refresh();
}

// ---- airports -------------------------------------------------------------------------------------------
export async function renderAirports() {
  const airports = await api("/api/v1/airports");
  reconcile($("airports"), airports, (a) => a.icao, (a) => JSON.stringify([a.status, a.since]), (a) => {
    const since = a.since ? ` since ${when(a.since)}` : "";
    const m = C.airportLayers[a.icao];
    if (m) m.unbindTooltip().bindTooltip(textTip(`${a.name_en} (${a.icao}): ${a.status}${since}`));
    return el("li", { "data-icao": a.icao },
      el("strong", {}, `${a.name_en} (${a.icao}/${a.iata || "—"})`), " ",
      el("span", { class: `badge ${a.status}` }, a.status), el("span", { class: "small" }, since));
  });
}

// ---- review queue ---------------------------------------------------------------------------------------
export async function renderReview() {
  const items = await api("/api/v1/review", auth());
  $("review-count").textContent = String(items.length);
  C.reviewItems = items;
  if (!items.length) { $("review").replaceChildren(el("li", { class: "muted", "data-key": "none", "data-sig": "" }, "Nothing waiting.")); return; }
  reconcile($("review"), items, (it) => it.id, (it) => JSON.stringify([it.certainty, it.corroboration, it.id === C.reviewKey]), reviewItem);
}

function reviewItem(it) {
  const what = `${label(KIND, it.kind)} in ${it.districts && it.districts.length ? where(it.region, it.districts) : regionName(it.region)}`;
  return el("li", { "data-report": it.id, tabindex: "-1", class: it.id === C.reviewKey ? "selected" : null, "aria-label": what },
    el("div", {}, el("strong", {}, label(KIND, it.kind)), ` · ${regionName(it.region)}`,
      ` · ${it.source.name || label(SOURCE, it.source.type)} (${label(SOURCE, it.source.type)}) · certainty ${it.certainty}`),
    el("blockquote", { class: "evidence" }, it.text || "(no text)"),
    el("div", { class: "row" },
      el("button", { type: "button", class: "ok", "data-act": "confirm", onclick: () => review(it, "confirm"), "aria-label": `Confirm: ${what}` }, "Confirm"),
      el("button", { type: "button", "data-act": "dismiss", onclick: () => review(it, "dismiss"), "aria-label": `Dismiss: ${what}` }, "Dismiss")));
}

export async function review(item, verb) {
  try {
    const body = verb === "confirm" ? { certainty: "Likely" } : { reason: "dismissed from the console" };
    const out = await api(`/api/v1/review/${encodeURIComponent(item.id)}/${verb}`, auth({ method: "POST", body }));
    const alerts = (out.alerts || []).length;
    say($("action-msg"), verb === "confirm" ? `Claim confirmed${alerts ? `: ${alerts} alert(s) composed` : ""}.` : "Claim dismissed.", "good");
  } catch (e) { say($("action-msg"), `Cannot ${verb}: ${errText(e)}`, "error"); }
  refresh();
}

/** j/k: move the selection in the review queue (and focus it); returns the selected item. */
export function moveReview(step) {
  const items = C.reviewItems || [];
  if (!items.length) return null;
  const i = items.findIndex((x) => x.id === C.reviewKey);
  const next = items[Math.max(0, Math.min(items.length - 1, i < 0 ? 0 : i + step))];
  C.reviewKey = next.id;
  document.querySelectorAll("#review li.selected").forEach((n) => n.classList.remove("selected"));
  const node = document.querySelector(`#review li[data-report="${CSS.escape(next.id)}"]`);
  if (node) { node.classList.add("selected"); node.focus(); node.scrollIntoView({ block: "nearest" }); }
  return next;
}

export function selectedReview() {
  return (C.reviewItems || []).find((x) => x.id === C.reviewKey) || null;
}

// ---- alerts ---------------------------------------------------------------------------------------------
export async function renderAlerts(alerts) {
  const shown = alerts.slice(0, 20);
  const details = await Promise.all(shown.map((a) => (CONFIG.features.deliveries && a.state === "issued"
    ? api(`/api/v1/alerts/${encodeURIComponent(a.identifier)}/deliveries`, auth()).catch(() => null) : Promise.resolve(null))));
  await Promise.all(shown.filter((a) => !(a.identifier in C.fits)).map((a) => api(`/api/v1/alerts/${encodeURIComponent(a.identifier)}`, auth())
    .then((full) => { C.fits[a.identifier] = full.area_fit || null; }).catch(() => null))); // an alert's area never changes
  const cancelled = new Set(alerts.filter((a) => a.msg_type === "Cancel").flatMap((a) => a.references || []));
  const rows = shown.map((a, i) => ({ a, d: details[i], cancelled: cancelled.has(a.identifier), fit: C.fits[a.identifier] || null }));
  C.alertRows = rows;
  reconcile($("alerts"), rows, (r) => r.a.identifier, (r) => JSON.stringify([r.a.state, r.cancelled, r.d, overdue(r.a), r.fit]), alertItem);
  const pending = alerts.filter((a) => a.state === "pending_approval");
  if (C.seenAlerts) { // a new alert is announced to screen readers (not the ones there at sign-in)
    const fresh = alerts.filter((a) => !C.seenAlerts.has(a.identifier));
    if (fresh.length) announce(fresh.map((a) => `New ${a.msg_type === "Alert" ? "alert" : a.msg_type}, ${label(STATE, a.state)}: ${a.headline}`).join(". "));
  }
  C.seenAlerts = new Set(alerts.map((a) => a.identifier));
  $("pending-count").textContent = pending.length ? `${pending.length} waiting` : "";
  $("pending-count").classList.toggle("hidden", !pending.length);
  for (const a of pending) {
    if (overdue(a) && !C.announced.has(a.identifier)) {
      C.announced.add(a.identifier);
      announce(`Alert waiting ${Math.round(waited(a) / 60) || 1} min for a second person: ${a.headline}`);
    }
  }
}

const waited = (a) => (Date.now() - new Date(a.sent).getTime()) / 1000;
export const overdue = (a) => a.state === "pending_approval" && waited(a) > OVERDUE_S;

function alertItem({ a, d, cancelled, fit }) {
  const place = where(a.region, a.districts);
  const actions = [];
  if (a.state === "pending_approval") {
    actions.push(el("button", { type: "button", class: "ok", "data-act": "approve", onclick: () => approve(a), "aria-label": `Approve: ${a.headline}` }, "Approve (second person)"));
    actions.push(el("button", { type: "button", "data-act": "reject", onclick: () => reject(a.identifier, a.headline), "aria-label": `Reject: ${a.headline}` }, "Reject…"));
    actions.push(el("button", { type: "button", "data-act": "preview", onclick: () => preview(a), "aria-label": `Preview CAP: ${a.headline}` }, "Preview CAP"));
  }
  if (a.state === "issued" && a.msg_type !== "Cancel" && !cancelled) {
    actions.push(el("button", { type: "button", class: "danger", "data-act": "cancel", onclick: () => falseAlarm(a), "aria-label": `False alarm: cancel ${a.headline}` }, "False alarm…"));
  }
  if (a.state === "issued") actions.push(el("a", { href: `/api/v1/alerts/${encodeURIComponent(a.identifier)}.xml`, target: "_blank", rel: "noopener" }, "CAP XML"));
  const late = overdue(a);
  return el("li", { "data-alert": a.identifier, "data-state": a.state, "data-msg-type": a.msg_type, tabindex: "-1",
    class: [late ? "overdue" : "", a.identifier === C.alertKey ? "selected" : ""].join(" ").trim() || null },
  el("div", {}, el("span", { class: `badge ${a.msg_type}` }, a.msg_type), " ",
    a.status && a.status !== "Actual" ? el("span", { class: "badge drill" }, a.status.toUpperCase()) : null, " ",
    el("span", { class: `badge ${a.state}` }, label(STATE, a.state)), " ",
    el("span", { class: "small muted" }, `${a.severity} · ${when(a.sent)}`),
    late ? el("strong", { class: "late" }, ` waiting over ${OVERDUE_S} s`) : null),
  el("div", {}, a.headline),
  el("div", { class: "small" }, `Where: ${place}`),
  fit ? fitView(fit) : null,
  d ? deliveryView(d) : null,
  actions.length ? el("div", { class: "row" }, actions) : null);
}

/** How well the CAP polygons fit the districts: what receivers get beyond (overshoot) or short of (undershoot) them. */
function fitView(f) {
  const m = (v) => `${Math.round(v)} m`;
  const within = f.within_bound;
  return el("div", { class: "small area-fit", "data-area-fit": within ? "within" : "over" },
    `CAP area: ${f.polygons} polygon${f.polygons === 1 ? "" : "s"} (at most ${f.max_points} points each) · `
      + `reaches ${m(f.overshoot_m)} beyond the districts, leaves out ${m(f.undershoot_m)} · `,
    el("strong", { class: within ? "fit-ok" : "fit-over" }, within ? `within the ${m(f.bound_m)} bound` : `over the ${m(f.bound_m)} bound`));
}

/** Delivery progress per channel, each with the reason it is stuck when it is. */
function deliveryView(d) {
  const total = el("div", { class: "small" }, "Delivery: ",
    el("progress", { max: Math.max(d.targets || 0, 1), value: d.delivered || 0, "aria-label": "delivery progress" }),
    ` ${d.delivered || 0} of ${d.targets || 0} delivered${d.failed ? `, ${d.failed} failed` : ""}`);
  const setup = CONFIG.delivery || { unconfigured: {}, dispatch: true };
  const channels = Object.entries(d.by_channel || {}).map(([ch, c]) => {
    const reasons = [...(c.reasons || [])];
    if (c.pending && setup.unconfigured[ch]) reasons.unshift(`not configured (${setup.unconfigured[ch]})`);
    if (c.pending && !setup.dispatch) reasons.unshift("no dispatcher on this node (AIRWARN_DISPATCH=false)");
    const stuck = (c.pending || c.failed || c.dead) && reasons.length;
    return el("li", { "data-channel": ch }, `${label(CHANNEL, ch)}: ${c.delivered} of ${c.targets}`,
      c.dead ? ` (${c.dead} set aside)` : null,
      stuck ? el("span", { class: "why" }, ` — ${c.pending ? "waiting" : "failed"}: ${reasons.join("; ")}`) : null);
  });
  return el("div", { class: "delivery" }, total, channels.length ? el("ul", { class: "channels small" }, channels) : null);
}

export async function approve(a) {
  try {
    await api(`/api/v1/alerts/${encodeURIComponent(a.identifier)}/approve`, auth({ method: "POST" }));
    say($("action-msg"), `Approved and issued: ${a.headline}`, "good");
  } catch (e) { say($("action-msg"), `Cannot approve: ${errText(e)}`, "error"); }
  refresh();
}

async function reject(identifier, what) {
  if (!identifier) return;
  const answer = await ask({ title: "Reject this pending alert?", ok: "Reject it",
    lines: [`${what}`, "The alert is not sent; what it proposed (regimes, measures) is dropped. The reason goes to the audit log."],
    reason: { label: "Reason for rejecting", min: 3 } });
  if (!answer.ok) return;
  try {
    await api(`/api/v1/alerts/${encodeURIComponent(identifier)}/reject`, auth({ method: "POST", body: { reason: answer.reason } }));
    say($("action-msg"), `Rejected: ${what}`, "good");
  } catch (e) { say($("action-msg"), `Cannot reject: ${errText(e)}`, "error"); }
  refresh();
}

async function falseAlarm(a) {
  const place = where(a.region, a.districts);
  const answer = await ask({ title: "Cancel as a false alarm?", ok: `Cancel the alert for ${a.districts.length ? `${a.districts.length} district(s)` : regionName(a.region)}`,
    lines: [el("p", {}, el("strong", {}, a.headline)), `Where: ${place}.`, `Issued ${when(a.sent)}, severity ${a.severity}.`,
      "Everyone who received it gets a CAP Cancel now, and the regimes it declared are lifted."] });
  if (!answer.ok) { say($("action-msg"), "Nothing cancelled."); return; }
  try {
    await api(`/api/v1/alerts/${encodeURIComponent(a.identifier)}/cancel`, auth({ method: "POST", body: { note: "False alarm" } }));
    say($("action-msg"), `Cancelled as a false alarm: ${a.headline}`, "good");
  } catch (e) { say($("action-msg"), `Cannot cancel: ${errText(e)}`, "error"); }
  refresh();
}

export async function preview(a, target = $("compose-result")) {
  try {
    const xml = await api(`/api/v1/alerts/${encodeURIComponent(a.identifier)}/preview.xml`, auth({ text: true }));
    target.replaceChildren(el("p", { class: "small" }, `CAP 1.2 ${a.state === "issued" ? "(signed, issued)" : "preview (unsigned; signed when approved)"} — ${a.headline}`),
      el("pre", { class: "xml", tabindex: "0", "aria-label": "CAP XML preview" }, xml));
    target.scrollIntoView({ block: "nearest" });
  } catch (e) { say(target, `No preview: ${errText(e)}`, "error"); }
}
