// After action, per night: for each alert the time from first report to issue, to approval, to delivery
// and to the all-clear; regimes with their durations; a chart of alerts per region over the night.
import { api, el } from "./common.js";
import { $, auth, C, regionName, when } from "./console_state.js";
import { label, REGIME } from "./labels.js";

const SVG = "http://www.w3.org/2000/svg";

/** Minutes the zone is ahead of UTC at an instant (from Intl: no zone database of our own). */
function offsetMin(date, zone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit" }).formatToParts(date).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute);
  return Math.round((asUtc - Math.floor(date.getTime() / 60000) * 60000) / 60000);
}

/** The night of a date: from noon of that day to noon of the next, in the area's time. */
function nightWindow(dateStr) {
  const noonUtc = new Date(`${dateStr}T12:00:00Z`);
  const start = new Date(noonUtc.getTime() - offsetMin(noonUtc, C.zone) * 60000);
  return [start, new Date(start.getTime() + 24 * 3600 * 1000)];
}

function localDate(iso) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: C.zone, year: "numeric", month: "2-digit", day: "2-digit" })
    .format(new Date(new Date(iso).getTime() - 12 * 3600 * 1000));
}

const dur = (s) => (s === null || s === undefined || Number.isNaN(s) ? "—"
  : s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

async function allAudit() {
  let after = 0;
  let out = [];
  for (let i = 0; i < 20; i += 1) {
    const batch = await api(`/api/v1/audit?after=${after}&limit=5000`, auth());
    out = out.concat(batch);
    if (batch.length < 5000) break;
    after = batch[batch.length - 1].seq;
  }
  return out;
}

export function initAfter() {
  $("after-form").addEventListener("submit", (ev) => { ev.preventDefault(); show($("after-night").value); });
  const latest = C.status && C.status.alerts[0];
  $("after-night").value = localDate(latest ? latest.sent : new Date().toISOString());
}

async function show(night) {
  const box = $("after");
  if (!night) return;
  box.replaceChildren(el("p", { class: "muted" }, "Reading the night…"));
  const [from, to] = nightWindow(night);
  const inNight = (iso) => { const t = new Date(iso); return t >= from && t < to; };
  const [alerts, audit, reports, regimes] = await Promise.all([
    api("/api/v1/alerts?limit=1000", auth()), allAudit(), api("/api/v1/reports?limit=1000", auth()).catch(() => []),
    Promise.all(["true", "false"].map((v) => api(`/api/v1/regimes?active=${v}`, auth()).catch(() => []))).then((x) => x.flat())]);
  const night_alerts = alerts.filter((a) => a.msg_type === "Alert" && inNight(a.sent)).reverse();
  const at = (action, id) => { const r = audit.find((x) => x.action === action && x.entity_id === id); return r ? new Date(r.at) : null; };
  const reportAt = Object.fromEntries(reports.map((r) => [r.id, new Date(r.received_at || r.time)]));
  const rows = await Promise.all(night_alerts.map(async (a) => {
    const full = await api(`/api/v1/alerts/${encodeURIComponent(a.identifier)}`).catch(() => ({}));
    const created = new Date(a.sent);
    const first = full.report_id && reportAt[full.report_id] ? reportAt[full.report_id] : null;
    const issued = at("alert.issued", a.identifier) || (a.state === "issued" ? created : null);
    const approved = at("alert.approved", a.identifier);
    const ender = alerts.find((x) => (x.references || []).includes(a.identifier) && x.state === "issued");
    let delivery = null;
    try { delivery = await api(`/api/v1/alerts/${encodeURIComponent(a.identifier)}/deliveries`, auth()); } catch (_) { /* none */ }
    const base = first || created;
    const secs = (t) => (t ? (t - base) / 1000 : null);
    return { a, first, issued: secs(issued), approved: secs(approved), delivered: delivery && delivery.time_to_s ? delivery.time_to_s.p50 : null,
      cleared: ender ? secs(new Date(ender.sent)) : null, ender };
  }));
  const table = el("table", { class: "list", id: "after-alerts" },
    el("caption", { class: "small" }, `Alerts of the night of ${night} (${C.zone}), times from the first report`),
    el("thead", {}, el("tr", {}, ["Alert", "Region", "Report", "→ issued", "→ approved", "→ delivered (median)", "→ all-clear / cancel"]
      .map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, rows.map((r) => el("tr", { "data-alert": r.a.identifier },
      el("td", {}, r.a.headline), el("td", {}, regionName(r.a.region)), el("td", {}, r.first ? when(r.first.toISOString()) : "—"),
      el("td", {}, dur(r.issued)), el("td", {}, dur(r.approved)), el("td", {}, r.delivered === null ? "—" : dur(r.delivered)),
      el("td", {}, r.ender ? `${dur(r.cleared)} (${r.ender.msg_type === "Cancel" ? "cancel" : "all-clear"})` : "still in force")))));
  const nightRegimes = regimes.filter((g) => inNight(g.declared_at));
  const regimeTable = el("table", { class: "list", id: "after-regimes" },
    el("caption", { class: "small" }, "Regimes declared that night"),
    el("thead", {}, el("tr", {}, ["Regime", "Region", "Declared", "Lifted", "Duration"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, nightRegimes.map((g) => el("tr", {}, el("td", {}, label(REGIME, g.kind)), el("td", {}, regionName(g.region)),
      el("td", {}, when(g.declared_at)), el("td", {}, g.lifted_at ? when(g.lifted_at) : "in force"),
      el("td", {}, dur(((g.lifted_at ? new Date(g.lifted_at) : new Date()) - new Date(g.declared_at)) / 1000))))));
  box.replaceChildren(rows.length ? table : el("p", {}, `No alert in the night of ${night}.`), chart(night_alerts, from, to), regimeTable);
}

/** Alerts per region over the night: one lane per region, a mark per alert at its time. */
function chart(alerts, from, to) {
  const regions = [...new Set(alerts.map((a) => a.region))];
  const w = 640;
  const lane = 26;
  const left = 150;
  const h = 30 + lane * Math.max(regions.length, 1);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Alerts per region over the night: ${regions.map((r) => `${regionName(r)} ${alerts.filter((a) => a.region === r).length}`).join(", ") || "none"}`);
  const x = (t) => left + ((new Date(t) - from) / (to - from)) * (w - left - 10);
  const add = (tag, attrs, text) => {
    const n = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    if (text) n.textContent = text;
    svg.append(n);
    return n;
  };
  for (let hIdx = 0; hIdx <= 24; hIdx += 3) {
    const t = new Date(from.getTime() + hIdx * 3600 * 1000);
    add("line", { x1: x(t), x2: x(t), y1: 14, y2: h, class: "grid" });
    add("text", { x: x(t), y: 11, class: "tick" }, t.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: C.zone }));
  }
  regions.forEach((r, i) => {
    const y = 30 + i * lane;
    add("text", { x: 4, y: y + 4, class: "lane" }, regionName(r));
    for (const a of alerts.filter((z) => z.region === r)) {
      add("circle", { cx: x(a.sent), cy: y, r: 6, class: `mark sev-${a.severity}` }).append(
        Object.assign(document.createElementNS(SVG, "title"), { textContent: `${a.headline} — ${when(a.sent)}` }));
    }
  });
  return el("figure", { class: "after-chart" }, svg, el("figcaption", { class: "small muted" }, "Alerts per region over the night (area time)."));
}
