// Operator console: map, regimes, airports, review queue, alerts (approve / false alarm), composer, timeline.
/* global L */
import {
  api, CONFIG, districtStyle, el, fmtTime, regimesByDistrict, startLive,
} from "./common.js";

const REGIME_NAMES = { drone_hazard: "Drone hazard", missile_hazard: "Missile hazard", airspace_closed: "Airspace closed" };
const $ = (id) => document.getElementById(id);
const state = {
  token: sessionStorage.getItem("airwarn-token"), territory: null, districts: [], regions: {},
  layers: {}, airportLayers: {}, selected: new Set(), status: null, map: null, live: null,
};

function auth(opts = {}) { return { ...opts, token: state.token }; }

function say(target, text, kind = "") {
  target.replaceChildren(el("p", { class: `msg ${kind}`, role: kind === "error" ? "alert" : null }, text));
  // the button that was pressed may vanish with the re-rendered list: keep keyboard focus on the outcome
  if (target.id === "action-msg" && (!document.activeElement || document.activeElement === document.body
      || target.closest("section").contains(document.activeElement) || document.getElementById("review").contains(document.activeElement))) {
    target.focus({ preventScroll: true });
  }
}

// ---- sign in -------------------------------------------------------------------------------
async function signIn(token) {
  await api("/api/v1/review", { token }); // observer or better
  state.token = token;
  sessionStorage.setItem("airwarn-token", token);
  $("login").classList.add("hidden");
  $("app").classList.remove("hidden");
  $("logout").classList.remove("hidden");
  await boot();
}

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const box = $("login-error");
  try {
    await signIn($("token").value.trim());
    box.classList.add("hidden");
  } catch (e) {
    box.textContent = e.status === 401 || e.status === 403 ? `Sign-in refused: ${e.message}` : `Cannot sign in: ${e.message}`;
    box.classList.remove("hidden");
  }
});
$("logout").addEventListener("click", () => { sessionStorage.removeItem("airwarn-token"); location.reload(); });

// ---- map ------------------------------------------------------------------------------------
/** The IANA time zone of a region, so times read as the people there see them. */
const zoneOf = (code) => (state.regions[code] || {}).timezone;

async function boot() {
  state.territory = await api("/api/v1/territory");
  const feats = state.territory.features;
  state.districts = feats.filter((f) => f.properties.kind === "district" && f.geometry);
  for (const f of feats.filter((x) => x.properties.kind === "region")) state.regions[f.properties.code] = f.properties;
  const map = L.map("map", { zoomSnap: 0.25 });
  state.map = map;
  if (CONFIG.tile_url) L.tileLayer(CONFIG.tile_url, { attribution: CONFIG.tile_attribution || "" }).addTo(map);
  map.attributionControl.setPrefix("Leaflet · territory: airwarn (approximate district polygons)");
  const group = L.geoJSON({ type: "FeatureCollection", features: state.districts }, {
    style: (f) => districtStyle(f.properties.regimes || []),
    onEachFeature: (f, layer) => {
      state.layers[f.properties.code] = layer;
      layer.on("click", () => toggleDistrict(f.properties));
      layer.bindTooltip(() => tooltip(f.properties), { sticky: true });
    },
  }).addTo(map);
  map.fitBounds(group.getBounds(), { padding: [8, 8] });
  for (const f of feats.filter((x) => x.properties.kind === "airport" && x.geometry)) {
    const [lon, lat] = f.geometry.coordinates;
    const m = L.marker([lat, lon], {
      icon: L.divIcon({ className: "", html: '<span aria-hidden="true" style="font-size:20px;color:#0f172a;text-shadow:0 0 2px #fff">▲</span>', iconSize: [20, 20] }),
      title: `${f.properties.name_en} (${f.properties.icao})`, keyboard: true,
    }).addTo(map);
    state.airportLayers[f.properties.icao] = m;
  }
  fillComposer();
  state.live = startLive(onChange, (s) => { $("live-state").textContent = s === "live" ? "live (stream)" : s === "polling" ? "live (polling)" : "offline — retrying"; }, () => state.token);
}

function tooltip(p) {
  const kinds = (state.districtRegimes || {})[p.code] || p.regimes || [];
  const text = kinds.length ? kinds.map((k) => REGIME_NAMES[k] || k).join(", ") : "no regime";
  return `${p.name_en} (${(state.regions[p.region] || {}).name_en || p.region}): ${text}`;
}

function recolour(regimes) {
  state.districtRegimes = regimesByDistrict(regimes, state.districts);
  for (const [code, layer] of Object.entries(state.layers)) {
    const kinds = state.districtRegimes[code] || [];
    layer.setStyle(districtStyle(kinds, state.selected.has(code)));
    const path = layer.getElement && layer.getElement();
    if (path) {
      path.setAttribute("data-district", code);
      path.setAttribute("data-regimes", kinds.join(" ") || "none");
      path.setAttribute("tabindex", "-1"); // keyboard users pick districts in the composer's list instead
    }
  }
}

// ---- live refresh ---------------------------------------------------------------------------
async function onChange(_topic, status) {
  state.status = status;
  recolour(status.regimes);
  renderRegimes(status.regimes);
  await Promise.allSettled([renderAirports(), renderReview(), renderAlerts(status.alerts), renderTimeline()]);
}

function renderRegimes(regimes) {
  if (!regimes.length) { $("regimes").replaceChildren(el("p", { class: "muted" }, "No regime in force.")); return; }
  const rows = regimes.map((r) => {
    const region = state.regions[r.region];
    const dist = r.district ? state.districts.find((d) => d.properties.code === r.district) : null;
    return el("tr", { "data-regime": r.kind, "data-district": r.district || "" },
      el("td", {}, el("span", { class: `badge ${r.kind}` }, REGIME_NAMES[r.kind] || r.kind)),
      el("td", {}, dist ? dist.properties.name_en : "whole region"),
      el("td", {}, region ? region.name_en : r.region),
      el("td", {}, fmtTime(r.declared_at, "en", zoneOf(r.region))),
      el("td", {}, el("button", { type: "button", onclick: () => lift(r) , "aria-label": `Lift ${REGIME_NAMES[r.kind]} in ${dist ? dist.properties.name_en : r.region}` }, "Lift")));
  });
  $("regimes").replaceChildren(el("table", { class: "list" },
    el("thead", {}, el("tr", {}, ["Regime", "Area", "Region", "Since", ""].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, rows)));
}

async function lift(r) {
  try {
    await api(`/api/v1/regimes/${encodeURIComponent(r.id)}/lift`, auth({ method: "POST", body: { reason: "lifted from the console" } }));
    say($("action-msg"), "Regime lifted.", "good");
  } catch (e) { say($("action-msg"), `Cannot lift: ${e.message}`, "error"); }
  state.live.refresh();
}

async function renderAirports() {
  const airports = await api("/api/v1/airports");
  $("airports").replaceChildren(...airports.map((a) => {
    const since = a.since ? ` since ${fmtTime(a.since, "en", zoneOf(a.region))}` : "";
    const m = state.airportLayers[a.icao];
    if (m) m.bindTooltip(`${a.name_en} (${a.icao}): ${a.status}${since}`);
    return el("li", { "data-icao": a.icao },
      el("strong", {}, `${a.name_en} (${a.icao}/${a.iata || "—"})`), " ",
      el("span", { class: `badge ${a.status}` }, a.status), el("span", { class: "small" }, since));
  }));
}

async function renderReview() {
  const items = await api("/api/v1/review", auth());
  $("review-count").textContent = String(items.length);
  if (!items.length) { $("review").replaceChildren(el("li", { class: "muted" }, "Nothing waiting.")); return; }
  $("review").replaceChildren(...items.map((it) => el("li", { "data-report": it.id },
    el("div", {}, el("strong", {}, it.kind.replaceAll("_", " ")), ` · ${(state.regions[it.region] || {}).name_en || it.region}`,
      ` · ${it.source.name || it.source.type} (${it.source.type}) · certainty ${it.certainty}`),
    el("blockquote", { class: "evidence" }, it.text || "(no text)"),
    el("div", { class: "row" },
      el("button", { type: "button", class: "ok", onclick: () => review(it, "confirm") , "aria-label": `Confirm: ${it.kind} in ${it.region}` }, "Confirm"),
      el("button", { type: "button", onclick: () => review(it, "dismiss"), "aria-label": `Dismiss: ${it.kind} in ${it.region}` }, "Dismiss")))));
}

async function review(item, verb) {
  try {
    const body = verb === "confirm" ? { certainty: "Likely" } : { reason: "dismissed from the console" };
    const out = await api(`/api/v1/review/${encodeURIComponent(item.id)}/${verb}`, auth({ method: "POST", body }));
    const alerts = (out.alerts || []).length;
    say($("action-msg"), verb === "confirm" ? `Claim confirmed${alerts ? `: ${alerts} alert(s) composed` : ""}.` : "Claim dismissed.", "good");
  } catch (e) { say($("action-msg"), `Cannot ${verb}: ${e.message}`, "error"); }
  state.live.refresh();
}

async function renderAlerts(alerts) {
  const shown = alerts.slice(0, 20);
  const details = await Promise.all(shown.map((a) => (CONFIG.features.deliveries
    ? api(`/api/v1/alerts/${encodeURIComponent(a.identifier)}/deliveries`, auth()).then((d) => ({ deliveries: summariseDeliveries(d) }))
    : api(`/api/v1/alerts/${encodeURIComponent(a.identifier)}`)).catch(() => null)));
  const cancelled = new Set(alerts.filter((a) => a.msg_type === "Cancel").flatMap((a) => a.references || []));
  $("alerts").replaceChildren(...shown.map((a, i) => {
    const d = details[i] && details[i].deliveries;
    const actions = [];
    if (a.state === "pending_approval") {
      actions.push(el("button", { type: "button", class: "ok", onclick: () => approve(a), "aria-label": `Approve: ${a.headline}` }, "Approve (second person)"));
      actions.push(el("button", { type: "button", onclick: () => preview(a), "aria-label": `Preview CAP: ${a.headline}` }, "Preview CAP"));
    }
    if (a.state === "issued" && a.msg_type !== "Cancel" && !cancelled.has(a.identifier)) {
      actions.push(el("button", { type: "button", class: "danger", onclick: () => falseAlarm(a), "aria-label": `False alarm: cancel ${a.headline}` }, "False alarm"));
    }
    if (a.state === "issued") actions.push(el("a", { href: `/api/v1/alerts/${encodeURIComponent(a.identifier)}.xml`, target: "_blank", rel: "noopener" }, "CAP XML"));
    return el("li", { "data-alert": a.identifier, "data-state": a.state, "data-msg-type": a.msg_type },
      el("div", {}, el("span", { class: `badge ${a.msg_type}` }, a.msg_type), " ",
        el("span", { class: `badge ${a.state}` }, a.state.replaceAll("_", " ")), " ",
        el("span", { class: "small muted" }, `${a.severity} · ${fmtTime(a.sent, "en", zoneOf(a.region))}`)),
      el("div", {}, a.headline),
      d ? el("div", { class: "small" }, "Delivery: ", el("progress", { max: Math.max(d.targets, 1), value: d.delivered, "aria-label": "delivery progress" }),
        ` ${d.delivered} of ${d.targets} delivered`) : null,
      actions.length ? el("div", { class: "row" }, actions) : null);
  }));
}

function summariseDeliveries(d) {
  if (d && typeof d.targets === "number") return d;
  const rows = Array.isArray(d) ? d : (d && d.rows) || [];
  return { targets: rows.length, delivered: rows.filter((r) => r.state === "delivered").length };
}

async function approve(a) {
  try {
    await api(`/api/v1/alerts/${encodeURIComponent(a.identifier)}/approve`, auth({ method: "POST" }));
    say($("action-msg"), `Approved and issued: ${a.headline}`, "good");
  } catch (e) { say($("action-msg"), `Cannot approve: ${e.message}`, "error"); }
  state.live.refresh();
}

async function falseAlarm(a) {
  try {
    await api(`/api/v1/alerts/${encodeURIComponent(a.identifier)}/cancel`, auth({ method: "POST", body: { note: "False alarm" } }));
    say($("action-msg"), `Cancelled as a false alarm: ${a.headline}`, "good");
  } catch (e) { say($("action-msg"), `Cannot cancel: ${e.message}`, "error"); }
  state.live.refresh();
}

async function preview(a, target = $("compose-result")) {
  try {
    const xml = await api(`/api/v1/alerts/${encodeURIComponent(a.identifier)}/preview.xml`, auth({ text: true }));
    target.replaceChildren(el("p", { class: "small" }, `CAP 1.2 ${a.state === "issued" ? "(signed, issued)" : "preview (unsigned; signed when approved)"} — ${a.headline}`),
      el("pre", { class: "xml", tabindex: "0", "aria-label": "CAP XML preview" }, xml));
    target.scrollIntoView({ block: "nearest" });
  } catch (e) { say(target, `No preview: ${e.message}`, "error"); }
}

async function renderTimeline() {
  // read the audit log incrementally: only records after the last one seen
  for (;;) {
    const batch = await api(`/api/v1/audit?after=${state.auditSeq || 0}&limit=500`, auth());
    if (!batch.length) break;
    state.auditSeq = batch[batch.length - 1].seq;
    state.timeline = (state.timeline || []).concat(batch).slice(-80);
    if (batch.length < 500) break;
  }
  const recent = (state.timeline || []).slice().reverse();
  $("timeline").replaceChildren(...recent.map((r) => el("li", { class: "small", "data-action": r.action },
    el("strong", {}, fmtTime(r.at)), ` · ${describe(r)} · ${r.actor}`,
    r.data && (r.data.headline || r.data.kind || r.data.reason)
      ? el("div", { class: "muted" }, r.data.headline || r.data.kind || r.data.reason) : null)));
}

const ACTIONS = {
  "report.received": "report", "regime.declared": "regime declared", "regime.lifted": "regime lifted",
  "alert.pending_approval": "alert waits for approval", "alert.approved": "alert approved", "alert.issued": "alert issued",
  "alert.cancelled": "alert cancelled", "report.confirmed": "claim confirmed", "report.dismissed": "claim dismissed",
};

function describe(r) { return ACTIONS[r.action] || r.action.replaceAll("_", " ").replace(".", ": "); }

// ---- composer -------------------------------------------------------------------------------
function fillComposer() {
  const withDistricts = new Set(state.districts.map((d) => d.properties.region));
  const regions = Object.values(state.regions).filter((r) => withDistricts.has(r.code))
    .concat(Object.values(state.regions).filter((r) => !withDistricts.has(r.code)));
  $("c-region").replaceChildren(...regions.map((r) => el("option", { value: r.code }, `${r.name_en} (${r.code})`)));
  $("c-region").addEventListener("change", () => { state.selected.clear(); listDistricts(); recolour(state.status ? state.status.regimes : []); });
  listDistricts();
}

function listDistricts() {
  const region = $("c-region").value;
  const ds = state.districts.filter((d) => d.properties.region === region)
    .sort((a, b) => a.properties.name_en.localeCompare(b.properties.name_en));
  $("c-districts").replaceChildren(...(ds.length ? ds.map((d) => el("label", {},
    el("input", { type: "checkbox", value: d.properties.code, "data-name": d.properties.name_en, checked: state.selected.has(d.properties.code),
      onchange: (ev) => { if (ev.target.checked) state.selected.add(d.properties.code); else state.selected.delete(d.properties.code); recolour(state.status ? state.status.regimes : []); } }),
    d.properties.name_en)) : [el("span", { class: "muted small" }, "No districts on file: the whole region.")]));
}

function toggleDistrict(p) {
  if ($("c-region").value !== p.region) { $("c-region").value = p.region; state.selected.clear(); }
  if (state.selected.has(p.code)) state.selected.delete(p.code); else state.selected.add(p.code);
  listDistricts();
  recolour(state.status ? state.status.regimes : []);
}

$("compose").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const region = $("c-region").value;
  const districts = state.districts.filter((d) => state.selected.has(d.properties.code) && d.properties.region === region)
    .map((d) => d.properties.name_en);
  try {
    const out = await api("/api/v1/regimes", auth({ method: "POST", body: { kind: $("c-kind").value, region, districts, reason: $("c-reason").value } }));
    state.selected.clear();
    listDistricts();
    const alert = (out.alerts || [])[0];
    if (alert) {
      await preview(alert);
      $("compose-result").prepend(el("p", { class: "msg good" }, alert.state === "pending_approval"
        ? "Regime declared. The alert waits for a second person to approve it (see Alerts)." : "Regime declared and alert issued."));
    } else {
      say($("compose-result"), (out.notes || []).join(" ") || "Regime declared; no new alert (already covered).", "good");
    }
  } catch (e) { say($("compose-result"), `Not declared: ${e.message}${e.body && e.body.field ? ` (field: ${e.body.field})` : ""}`, "error"); }
  state.live.refresh();
});

const ready = () => document.body.setAttribute("data-ready", "");
if (state.token) {
  signIn(state.token).catch(() => { sessionStorage.removeItem("airwarn-token"); state.token = null; }).finally(ready);
} else ready();
