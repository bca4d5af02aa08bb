// Operator console: sign-in and who is signed in, one clock, the map, live updates in place, shortcuts.
/* global L */
import { airportIcon, api, CONFIG, districtStyle, el, regimesByDistrict, startLive, textTip } from "./common.js";
import { initAfter } from "./console_after.js";
import { fillComposer, toggleDistrict } from "./console_compose.js";
import {
  approve, moveReview, renderAirports, renderAlerts, renderMeasures, renderRegimes, renderReview, review, selectedReview,
} from "./console_lists.js";
import { ask } from "./console_dialog.js";
import { $, C, regionName } from "./console_state.js";
import { label, REGIME } from "./labels.js";
import { renderTimeline } from "./console_timeline.js";
import { initTracks } from "./console_tracks.js";

// ---- sign in -------------------------------------------------------------------------------------------
async function signIn(token) {
  await api("/api/v1/review", { token }); // observer or better
  C.token = token;
  sessionStorage.setItem("airwarn-token", token);
  try { C.me = await api("/api/v1/me", { token }); } catch (_) { C.me = null; } // older servers: no /me
  $("who").replaceChildren(C.me ? el("span", { id: "who-name" }, `Signed in: ${C.me.name}`) : "Signed in",
    C.me ? el("span", { class: `badge role ${C.me.role}`, id: "who-role" }, C.me.role) : "");
  document.body.dataset.role = C.me ? C.me.role : "";
  $("login").classList.add("hidden");
  $("app").classList.remove("hidden");
  $("logout").classList.remove("hidden");
  $("keys-help").classList.remove("hidden");
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
$("keys-help").addEventListener("click", () => $("help").showModal());

// ---- one clock: the area's local time with its zone ----------------------------------------------------
function tick() {
  const now = new Date();
  $("clock").textContent = now.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: C.zone, timeZoneName: "short" });
  $("clock").title = `All times in this console are ${C.zone} time.`;
}

// ---- map -----------------------------------------------------------------------------------------------
async function boot() {
  const territory = await api("/api/v1/territory");
  const feats = territory.features;
  C.districts = feats.filter((f) => f.properties.kind === "district" && f.geometry);
  for (const f of feats.filter((x) => x.properties.kind === "region")) C.regions[f.properties.code] = f.properties;
  const zones = {};
  for (const d of C.districts) { const z = (C.regions[d.properties.region] || {}).timezone; if (z) zones[z] = (zones[z] || 0) + 1; }
  C.zone = Object.entries(zones).sort((a, b) => b[1] - a[1]).map(([z]) => z)[0] || C.zone;
  tick();
  setInterval(tick, 1000);
  const map = L.map("map", { zoomSnap: 0.25 });
  C.map = map;
  if (CONFIG.tile_url) L.tileLayer(CONFIG.tile_url, { attribution: CONFIG.tile_attribution || "" }).addTo(map);
  map.attributionControl.setPrefix("Leaflet · territory: airwarn (approximate district polygons)");
  const group = L.geoJSON({ type: "FeatureCollection", features: C.districts }, {
    style: (f) => districtStyle(f.properties.regimes || []),
    onEachFeature: (f, layer) => {
      C.layers[f.properties.code] = layer;
      layer.on("click", () => toggleDistrict(f.properties));
      layer.bindTooltip(() => textTip(tooltip(f.properties)), { sticky: true });
    },
  }).addTo(map);
  map.fitBounds(group.getBounds(), { padding: [8, 8] });
  for (const f of feats.filter((x) => x.properties.kind === "airport" && x.geometry)) {
    const [lon, lat] = f.geometry.coordinates;
    C.airportLayers[f.properties.icao] = L.marker([lat, lon], { icon: airportIcon(), title: `${f.properties.name_en} (${f.properties.icao})`, keyboard: true }).addTo(map);
  }
  fillComposer(() => recolour(C.status ? C.status.regimes : []));
  initAfter();
  initTracks(() => recolour(C.status ? C.status.regimes : []));
  C.live = startLive(onChange, (s) => { $("live-state").textContent = s === "live" ? "live (stream)" : s === "polling" ? "live (polling)" : "offline — retrying"; },
    { token: C.token });
  setInterval(() => { if (C.status) renderAlerts(C.status.alerts); }, 10000); // waiting times grow without events
}

// ---- shelter plan: where new shelters would cover the most people who cannot reach one in time ----------
async function showPlan() {
  if (C.planLayer) { C.planLayer.remove(); C.planLayer = null; }
  const msg = $("plan-msg");
  if (!$("plan-toggle").checked) { msg.textContent = ""; return; }
  const add = Math.max(1, Math.min(200, Math.round(Number($("plan-add").value) || 10)));
  msg.textContent = "Planning…";
  let plan;
  try {
    plan = await api(`/api/v1/shelters/plan?add=${add}`, { token: C.token });
  } catch (e) { msg.textContent = `No plan: ${e.status === 404 ? "no shelter data on this server" : e.message}`; return; }
  if (!$("plan-toggle").checked) return; // switched off meanwhile
  const sites = (plan.geojson && plan.geojson.features) || [];
  C.planLayer = L.geoJSON(plan.geojson, {
    pointToLayer: (f, at) => L.circleMarker(at, { radius: 8, weight: 3, color: "#1e3a8a", fillColor: "#93c5fd", fillOpacity: 1 }),
    onEachFeature: (f, layer) => {
      const p = f.properties;
      layer.bindTooltip(textTip(`Proposed site #${p.rank}${p.name ? `: ${p.name}` : ""} — covers ${p.covered_people} people`
        + `${p.capacity ? ` (holds ${p.capacity})` : ""}`));
    },
  }).addTo(C.map);
  C.planLayer.eachLayer((l) => {
    const node = l.getElement && l.getElement();
    if (node) { node.setAttribute("data-map", "proposed_shelter"); node.setAttribute("data-rank", String(l.feature.properties.rank)); }
  });
  msg.textContent = `${sites.length} proposed site${sites.length === 1 ? "" : "s"} would bring ${plan.covered_people_added} more people within reach in time`
    + ` (${plan.uncovered_people_after} still out of reach).`;
  if (sites.length) C.map.fitBounds(C.planLayer.getBounds(), { padding: [40, 40], maxZoom: 14 });
}
$("plan-toggle").addEventListener("change", showPlan);
$("plan-add").addEventListener("change", () => { if ($("plan-toggle").checked) showPlan(); });

function tooltip(p) {
  const kinds = C.districtRegimes[p.code] || p.regimes || [];
  const proposed = (C.proposedBy || {})[p.code] || [];
  const text = kinds.length ? kinds.map((k) => label(REGIME, k)).join(", ") : "no regime";
  const warning = p.effective_warning_s ? `, warning time ${p.effective_warning_s} s` : "";
  return `${p.name_en} (${regionName(p.region)}${warning}): ${text}${proposed.length ? `; proposed: ${proposed.map((k) => label(REGIME, k)).join(", ")}` : ""}`;
}

function recolour(regimes) {
  const inForce = regimes.filter((r) => r.state !== "proposed");
  C.districtRegimes = regimesByDistrict(inForce, C.districts);
  C.proposedBy = regimesByDistrict(regimes.filter((r) => r.state === "proposed"), C.districts);
  for (const [code, layer] of Object.entries(C.layers)) {
    const kinds = C.districtRegimes[code] || [];
    const style = districtStyle(kinds, C.selected.has(code));
    if ((C.proposedBy[code] || []).length && !kinds.length) Object.assign(style, { dashArray: "6 4", color: "#92400e", weight: 2 });
    const warn = (C.warn || {})[code] || "none"; // a threat track is about to reach it: outlined
    if (warn !== "none") Object.assign(style, { color: warn === "alert" ? "#7f1d1d" : "#6d28d9", weight: 3.5, dashArray: null });
    layer.setStyle(style);
    const path = layer.getElement && layer.getElement();
    if (path) {
      path.setAttribute("data-district", code);
      path.setAttribute("data-regimes", kinds.join(" ") || "none");
      path.setAttribute("data-proposed", (C.proposedBy[code] || []).join(" ") || "none");
      path.setAttribute("data-warn", warn);
      path.setAttribute("tabindex", "-1"); // keyboard users pick districts in the composer's list instead
    }
  }
}

// ---- live refresh: every list is updated in place --------------------------------------------------------
async function onChange(_topic, status) {
  C.status = status;
  recolour(status.regimes);
  renderRegimes(status.regimes);
  renderMeasures(status.measures || []);
  await Promise.allSettled([renderAirports(), renderReview(), renderAlerts(status.alerts), renderTimeline()]);
}

// ---- keyboard shortcuts --------------------------------------------------------------------------------
document.addEventListener("keydown", async (ev) => {
  if (ev.ctrlKey || ev.metaKey || ev.altKey || !C.status) return;
  const t = ev.target;
  if (t && (t.closest("input, select, textarea, dialog") || t.isContentEditable)) return;
  if (ev.key === "?") { ev.preventDefault(); $("help").showModal(); return; }
  if (ev.key === "j" || ev.key === "k") { ev.preventDefault(); moveReview(ev.key === "j" ? 1 : -1); return; }
  if (ev.key === "c" || ev.key === "d") {
    const item = selectedReview();
    if (!item) return;
    ev.preventDefault();
    moveReview(1);
    await review(item, ev.key === "c" ? "confirm" : "dismiss");
    return;
  }
  if (ev.key === "n") {
    const waiting = C.status.alerts.filter((a) => a.state === "pending_approval").slice(-1)[0];
    if (!waiting) return;
    ev.preventDefault();
    C.alertKey = waiting.identifier;
    const node = document.querySelector(`#alerts li[data-alert="${CSS.escape(waiting.identifier)}"]`);
    if (node) { document.querySelectorAll("#alerts li.selected").forEach((n) => n.classList.remove("selected")); node.classList.add("selected"); node.focus(); }
    return;
  }
  if (ev.key === "a") {
    const node = t && t.closest && t.closest("#alerts li[data-state=pending_approval]");
    const a = node && C.status.alerts.find((x) => x.identifier === node.dataset.alert);
    if (!a) return;
    ev.preventDefault();
    const answer = await ask({ title: "Approve and issue this alert?", ok: "Approve and issue", danger: false, lines: [a.headline, `Severity ${a.severity}.`] });
    if (answer.ok) await approve(a);
  }
});

const ready = () => document.body.setAttribute("data-ready", "");
if (C.token) {
  signIn(C.token).catch(() => { sessionStorage.removeItem("airwarn-token"); C.token = null; }).finally(ready);
} else ready();
