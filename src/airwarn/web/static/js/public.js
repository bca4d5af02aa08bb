// Public page: what is in force here (top of the screen), the countdown and the nearest shelter, the map,
// places, drills, and the alarm when an alert arrives. English, Russian and Ukrainian.
/* global L */
import { api, CONFIG, contains, districtStyle, el, fmtTime, regimesByDistrict, startLive, textTip } from "./common.js";
import { fmtDuration, LANGS, lang, placeName, setLang, t } from "./i18n.js";
import { armAudio, askNotifications, keepTitle, quiet, sound } from "./alarm.js";
import { levelOf, renderCountdown, renderHero, renderShelter, shelterMessage, situation, startOf } from "./hero.js";
import { label, landing, loadPlaces, placeLabels, search } from "./places.js";
import { initSubscribe, showSubscription } from "./subscribe.js";

const $ = (id) => document.getElementById(id);
const S = { districts: [], regions: {}, places: [], layers: {}, status: null, point: null, marker: null, picked: null,
  shelterLayer: null, alerts: {}, shelter: null, streets: null, streetsKey: null, streetsMeta: null, drills: [],
  lastFresh: null, stale: false, heard: null, heardFor: null, labels: null, approach: [] };
/** Streets are drawn from this zoom in (a town's network; the whole territory would be too much). */
const STREETS_ZOOM = 13;
/** With no successful answer for this long, the page stops trusting what it shows. */
const STALE_MS = 15000;

export const state = S;

function applyLang() {
  document.documentElement.lang = lang();
  document.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = t(n.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((n) => { n.placeholder = t(n.dataset.i18nPlaceholder); });
  document.querySelectorAll("[data-i18n-aria]").forEach((n) => { n.setAttribute("aria-label", t(n.dataset.i18nAria)); });
  document.querySelectorAll("[data-lang]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === lang())));
  keepTitle(t("title"));
  if (S.map) { // Leaflet's own button titles, in the page language too
    if (S.zoom) S.zoom.remove();
    S.zoom = L.control.zoom({ zoomInTitle: t("zoom_in"), zoomOutTitle: t("zoom_out") }).addTo(S.map);
  }
  $("places").replaceChildren(...S.places.map((p) => el("option", { value: label(p) })));
  if (S.labels) S.labels.redraw();
}

document.querySelectorAll("[data-lang]").forEach((b) => b.addEventListener("click", () => {
  if (!LANGS.includes(b.dataset.lang)) return;
  setLang(b.dataset.lang);
  const hero = $("hero");
  delete hero.dataset.sig;
  applyLang();
  render();
  if (S.shelter) drawShelterText();
  showSubscription(S);
}));

async function boot() {
  armAudio();
  const territory = await api("/api/v1/territory");
  const feats = territory.features;
  S.districts = feats.filter((f) => f.properties.kind === "district" && f.geometry);
  for (const f of feats.filter((x) => x.properties.kind === "region")) S.regions[f.properties.code] = f.properties;
  S.places = await loadPlaces(feats, S.regions);
  const map = L.map("map", { zoomSnap: 0.25, zoomControl: false });
  S.map = map;
  if (CONFIG.tile_url) L.tileLayer(CONFIG.tile_url, { attribution: CONFIG.tile_attribution || "" }).addTo(map);
  map.attributionControl.setPrefix("Leaflet · airwarn · places: GeoNames");
  const group = L.geoJSON({ type: "FeatureCollection", features: S.districts }, {
    style: (f) => districtStyle(f.properties.regimes || []),
    interactive: false, // a click anywhere picks a point; keyboard users search instead
    onEachFeature: (f, layer) => { S.layers[f.properties.code] = layer; },
  }).addTo(map);
  const view = hashView();
  const remembered = JSON.parse(localStorage.getItem("airwarn-place") || "null");
  if (view) map.setView(view.at, view.zoom);
  else if (remembered) map.setView([remembered.lat, remembered.lon], STREETS_ZOOM);
  else map.fitBounds(group.getBounds(), { padding: [8, 8] });
  S.labels = placeLabels(map, S.places);
  map.on("click", (e) => { askNotifications(); pick(e.latlng.lat, e.latlng.lng); });
  map.on("moveend", () => { keepHash(); loadStreets(); });
  window.addEventListener("hashchange", () => { const v = hashView(); if (v) map.setView(v.at, v.zoom); });
  loadStreets();
  applyLang();
  S.labels.redraw();
  initSubscribe(S);
  renderTop();
  if (remembered) pick(remembered.lat, remembered.lon, remembered.label, { remember: false });
  startLive(async (_topic, status) => { S.status = status; await render(); }, (s) => { $("live-state").textContent = t(s); }, {
    onPoll: (ok) => {
      if (ok) { S.lastFresh = new Date(); if (S.stale) { S.stale = false; render(); } } else checkStale();
    },
    onEvent: () => loadDrills(),
  });
  setInterval(() => { checkStale(); loadDrills(); loadApproach(); }, 5000);
  loadDrills();
}

function checkStale() {
  const stale = !S.lastFresh || Date.now() - S.lastFresh.getTime() > STALE_MS;
  if (stale !== S.stale) { S.stale = stale; renderTop(); }
}

/** `#map=ZOOM/LAT/LON` in the address opens the map there (and follows the map, so a view can be shared). */
function hashView() {
  const m = /^#map=(\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(location.hash);
  if (!m) return null;
  const [zoom, lat, lon] = m.slice(1).map(Number);
  return Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && zoom <= 19 ? { zoom, at: [lat, lon] } : null;
}

function keepHash() {
  const c = S.map.getCenter();
  history.replaceState(null, "", `${location.pathname}${location.search}#map=${Math.round(S.map.getZoom())}/${c.lat.toFixed(5)}/${c.lng.toFixed(5)}`);
}

/** Imported streets and shelters in view, drawn under the route when zoomed in to a town. */
async function loadStreets() {
  if (!CONFIG.features.shelters || S.map.getZoom() < STREETS_ZOOM) {
    if (S.streets) { S.streets.remove(); S.streets = null; S.streetsKey = null; }
    showLegend();
    return;
  }
  const b = S.map.getBounds().pad(0.5);
  const key = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(3)).join(",");
  if (key === S.streetsKey) return;
  S.streetsKey = key;
  let data;
  try { data = await api(`/api/v1/shelters/streets?bbox=${key}`); } catch (_) { return; } // nothing imported here
  if (key !== S.streetsKey) return; // the map moved on meanwhile
  if (S.streets) S.streets.remove();
  S.streetsMeta = data.metadata || null;
  S.streets = L.geoJSON(data, {
    interactive: false,
    style: { color: "#ffffff", weight: 3, opacity: 0.9 },
    pointToLayer: (f, at) => L.circleMarker(at, { radius: 6, weight: 2, color: f.properties.open ? "#14532d" : "#1f2937",
      fillColor: f.properties.open ? "#86efac" : "#64748b", fillOpacity: 1 }),
  }).addTo(S.map);
  S.streets.eachLayer((l) => {
    const node = l.getElement && l.getElement();
    const p = l.feature && l.feature.properties;
    if (node && p) node.setAttribute("data-map", p.kind);
  });
  if (S.shelterLayer) S.shelterLayer.bringToFront(); // streets above the district fill, the answer above them
  if (S.marker) S.marker.bringToFront();
  showLegend();
  renderNote();
}

function showLegend() {
  const on = Boolean(S.streets) || Boolean(S.shelterLayer);
  document.querySelectorAll(".shelter-legend").forEach((n) => n.classList.toggle("hidden", !on));
}

function noteText() {
  const meta = S.streetsMeta && S.streetsMeta.source_meta;
  return meta && meta.synthetic ? t("synthetic") : "";
}

function renderNote() {
  const note = $("shelter-note");
  if (note) note.textContent = noteText();
}

async function render() {
  if (!S.status) { renderTop(); return; }
  const by = regimesByDistrict(S.status.regimes, S.districts);
  for (const [code, layer] of Object.entries(S.layers)) {
    layer.setStyle(districtStyle(by[code] || [], S.picked && S.picked.code === code));
    const path = layer.getElement && layer.getElement();
    if (path) path.setAttribute("data-regimes", (by[code] || []).join(" ") || "none");
  }
  renderNow();
  await renderArea(by);
  await loadApproach();
}

/** Minutes to arrival for the picked district, asked only while a drone or missile warning is in force there:
 * the server answers only for districts under an issued pre-alert or alert (never tracks or sensors). */
async function loadApproach() {
  const threatened = S.here && S.here.regimes.some((r) => r.kind === "drone_hazard" || r.kind === "missile_hazard");
  const before = JSON.stringify(S.approach);
  if (!threatened) S.approach = [];
  else {
    try { S.approach = (await api("/api/v1/approach")).districts; } catch (_) { S.approach = []; } // the pre-alert's own text stands
  }
  if (JSON.stringify(S.approach) !== before) renderTop();
}

function renderNow() {
  const groups = {};
  for (const r of S.status.regimes) {
    const key = `${r.region}|${r.kind}`;
    (groups[key] = groups[key] || { r, areas: [] }).areas.push(r.district);
  }
  const items = Object.values(groups).map(({ r, areas }) => {
    const region = S.regions[r.region];
    const names = areas.includes(null) ? [] : areas.map((c) => { const d = S.districts.find((x) => x.properties.code === c); return d ? placeName(d.properties) : c; });
    return el("li", {}, el("span", { class: `badge ${r.kind}` }, t(`regime.${r.kind}`)), " ", el("strong", {}, region ? placeName(region) : r.region),
      names.length ? el("div", { class: "small" }, names.join(", ")) : null);
  });
  $("now").replaceChildren(...(items.length ? items : [el("li", { class: "muted" }, t("nothing"))]));
}

/** Issued, still current alerts for a district (full documents, cached). */
async function currentAlerts(list, p) {
  const superseded = new Set(list.flatMap((a) => a.references || []));
  const current = list.filter((a) => a.state === "issued" && a.msg_type !== "Cancel" && !superseded.has(a.identifier)
    && a.region === p.region && (!a.districts.length || a.districts.includes(p.code)));
  const full = await Promise.all(current.slice(0, 8).map((a) => S.alerts[a.identifier]
    || api(`/api/v1/alerts/${encodeURIComponent(a.identifier)}`).then((x) => (S.alerts[a.identifier] = x)).catch(() => null)));
  return full.filter(Boolean);
}

function infoIn(a) {
  return a.infos.find((i) => i.language.startsWith(lang())) || null; // no server sentence in another language
}

async function renderArea(by) {
  if (!S.point) { renderTop(); return; }
  const box = $("area");
  if (!S.picked) { box.replaceChildren(el("p", { id: "area-outside" }, t("outside"))); S.here = null; renderTop(); return; }
  const p = S.picked;
  const kinds = by[p.code] || [];
  const region = S.regions[p.region];
  const regimes = S.status.regimes.filter((r) => r.district === p.code || (!r.district && r.region === p.region));
  const alerts = await currentAlerts(S.status.alerts, p);
  S.here = { regimes, alerts };
  box.replaceChildren(
    el("p", {}, el("strong", { id: "area-name" }, placeName(p)), region ? ` — ${placeName(region)}` : ""),
    p.effective_warning_s ? el("p", { id: "area-warning", "data-warning-s": String(p.effective_warning_s) },
      t("area_warning", { w: fmtDuration(p.effective_warning_s) })) : null,
    kinds.length
      ? el("ul", { class: "plain", id: "area-regimes" }, regimes.map((r) => el("li", { "data-regime": r.kind },
        el("span", { class: `badge ${r.kind}` }, t(`regime.${r.kind}`)), ` ${t("since")} ${fmtTime(r.declared_at, lang(), (S.regions[r.region] || {}).timezone)}`)))
      : el("p", { id: "area-regimes", class: "msg good" }, t("no_regime")),
    ...alerts.map((a) => { const info = infoIn(a); return info ? el("div", { class: "msg gap-top" }, el("strong", {}, info.headline),
      info.instruction ? el("p", { class: "tight" }, `${t("instructions")}: ${info.instruction}`) : null) : null; }));
  renderTop();
}

/** The hero, countdown and alarm from what is known about the picked place. */
function renderTop() {
  const region = S.picked ? S.regions[S.picked.region] : null;
  const here = S.here || { regimes: [], alerts: [] };
  const sit = S.picked ? situation(S.picked, here.regimes, here.alerts) : null;
  const eta = S.picked ? S.approach.find((a) => a.district === S.picked.code) : null;
  renderHero({ place: S.picked || (S.point ? { name_en: `${S.point[0].toFixed(4)}, ${S.point[1].toFixed(4)}` } : null), region, sit: sit || { level: "none" },
    stale: S.stale, lastFresh: S.lastFresh, etaMin: eta && !S.stale ? eta.eta_min : null });
  const warningS = (S.shelter && S.shelter.warning_s) || (region && region.warning_s) || null;
  renderCountdown(sit && sit.level === "alert" && sit.alert ? startOf(sit.alert) : null, warningS, region && region.timezone);
  renderDrill();
  alarm(sit);
}

/** Sound and notify when an alert (or its all-clear) arrives for the place after the page had looked. */
function alarm(sit) {
  if (!S.picked || !S.here) return;
  const key = S.picked.code;
  const ids = S.here.alerts.map((a) => a.identifier);
  if (S.heardFor !== key) { S.heardFor = key; S.heard = new Set(ids); return; }
  const fresh = S.here.alerts.filter((a) => !S.heard.has(a.identifier));
  ids.forEach((id) => S.heard.add(id));
  const kind = sit && sit.kind ? t(`regime.${sit.kind}`) : t("threat_generic");
  const where = placeName(S.picked);
  const levels = fresh.map(levelOf);
  if (levels.includes("alert") && sit.level === "alert") sound("alert", { title: t("notify_alert", { kind }), body: `${where}: ${t("todo_alert")}` });
  else if (levels.includes("pre_alert") && sit.level === "pre_alert") sound("pre_alert", { title: t("level_pre_alert", { kind }), body: `${where}: ${t("todo_pre_alert")}` });
  else if (levels.includes("all_clear") && sit.level === "all_clear") sound("all_clear", { title: t("notify_clear"), body: `${where}: ${t("todo_all_clear")}` });
  else if (sit.level === "none" && document.title !== t("title")) quiet(t("title"));
}

/** Exercise and Test alerts are never mixed with real ones: a striped banner says what they are. */
async function loadDrills() {
  const lists = await Promise.all(["Exercise", "Test"].map((s) => api(`/api/v1/alerts?status=${s}&state=issued&limit=50`).catch(() => [])));
  const all = lists.flat();
  const superseded = new Set(all.flatMap((a) => a.references || []));
  S.drills = all.filter((a) => a.msg_type !== "Cancel" && !superseded.has(a.identifier));
  renderDrill();
}

function renderDrill() {
  const box = $("drill");
  const p = S.picked;
  const here = S.drills.filter((a) => (p ? a.region === p.region && (!a.districts.length || a.districts.includes(p.code)) : true));
  if (!here.length) { box.classList.add("hidden"); box.replaceChildren(); delete box.dataset.status; return; }
  const status = here.some((a) => a.status === "Exercise") ? "Exercise" : "Test";
  const sig = `${lang()}|${status}|${here.map((a) => a.identifier).join(",")}`;
  box.classList.remove("hidden");
  box.dataset.status = status;
  if (box.dataset.sig === sig) return;
  box.dataset.sig = sig;
  const regions = [...new Set(here.map((a) => a.region))].map((c) => (S.regions[c] ? placeName(S.regions[c]) : c));
  box.replaceChildren(el("strong", {}, t(`drill_${status}`)), el("span", { class: "small" }, ` ${t("drill_where")} ${regions.join(", ")}`));
}

async function pick(lat, lon, name = null, { remember = true } = {}) {
  S.point = [lat, lon];
  const f = S.districts.find((d) => contains(d.geometry, lon, lat));
  S.picked = f ? f.properties : null;
  S.here = null;
  if (remember) localStorage.setItem("airwarn-place", JSON.stringify({ lat, lon, label: name }));
  if (S.marker) S.marker.setLatLng([lat, lon]); else S.marker = L.circleMarker([lat, lon], { radius: 7, color: "#111827", weight: 3, fillColor: "#fff", fillOpacity: 1 }).addTo(S.map);
  S.marker.unbindTooltip().bindTooltip(textTip(name || (S.picked ? placeName(S.picked) : `${lat.toFixed(4)}, ${lon.toFixed(4)}`)));
  renderTop();
  await render();
  await shelter(lat, lon);
}

async function shelter(lat, lon) {
  if (S.shelterLayer) { S.shelterLayer.remove(); S.shelterLayer = null; }
  S.shelter = null;
  const asked = (S.asked = (S.asked || 0) + 1); // a newer click wins over a slower older answer
  const box = $("shelter");
  box.setAttribute("data-point", `${lat},${lon}`); // the exact point asked about (tests compare with the API)
  if (!CONFIG.features.shelters) { shelterMessage("shelter_off"); return; }
  box.replaceChildren(el("p", { class: "muted" }, t("searching")));
  let answer;
  try {
    answer = await api(`/api/v1/shelters/nearest?lat=${lat}&lon=${lon}${stepFree() ? "&profile=wheelchair" : ""}`);
  } catch (e) {
    if (asked === S.asked) shelterMessage(e.status === 404 || e.status === 422 ? "shelter_none" : "shelter_err");
    return;
  }
  if (asked !== S.asked) return;
  S.shelter = answer;
  drawShelterText();
  renderTop();
  drawRoute(answer);
}

function drawShelterText() {
  const s = S.shelter;
  renderShelter(s, s.region && S.regions[s.region] ? placeName(S.regions[s.region]) : "", noteText());
  if (s.profile === "wheelchair") { // say whether the route really is step-free or the data cannot tell
    const known = s.step_free_data !== false;
    $("shelter-verdict").after(el("p", { id: "shelter-step-free", class: "small", "data-step-free-data": String(known) },
      t(known ? "step_free_on" : "step_free_missing")));
  }
}

/** The resident's choice of a step-free (wheelchair) route, remembered in this browser. */
const stepFree = () => localStorage.getItem("airwarn-profile") === "wheelchair";

$("step-free").checked = stepFree();
$("step-free").addEventListener("change", (ev) => {
  if (ev.target.checked) localStorage.setItem("airwarn-profile", "wheelchair"); else localStorage.removeItem("airwarn-profile");
  if (S.point) shelter(S.point[0], S.point[1]);
});

function drawRoute(s) {
  const routes = [s.route, !s.reachable && s.alternative ? s.alternative.route : null].filter(Boolean);
  const layers = [];
  const tagged = [];
  const line = (geometry, kind, style) => { const l = L.geoJSON(geometry, { style }); tagged.push([l, kind]); return l; };
  if (s.alternative && !s.reachable) {
    const b = s.alternative.building;
    layers.push(line(s.alternative.route, "safe_room", { color: "#7c2d12", weight: 4, dashArray: "2 6" }),
      L.circleMarker([b.lat, b.lon], { radius: 6, color: "#7c2d12", fillColor: "#fdba74", fillOpacity: 1 }).bindTooltip(textTip(t("building"))));
  }
  if (s.route) layers.push(line(s.route, "shelter", { color: "#14532d", weight: 5, dashArray: "8 5" }));
  if (s.shelter) {
    layers.push(L.circleMarker([s.shelter.lat, s.shelter.lon], { radius: 9, weight: 3, color: "#14532d", fillColor: "#22c55e", fillOpacity: 1 })
      .bindTooltip(textTip(s.shelter.name || t("shelter"), "shelter-tip"), { permanent: true, direction: "top", offset: [0, -8] }));
  }
  S.shelterLayer = L.featureGroup(layers).addTo(S.map);
  S.marker.bringToFront(); // the picked point stays on top of its route
  showLegend();
  for (const [layer, kind] of tagged) {
    layer.eachLayer((x) => { const node = x.getElement && x.getElement(); if (node) node.setAttribute("data-route", kind); });
  }
  // a route is a few hundred metres: make it visible when the map shows a whole region
  const bounds = L.featureGroup(routes.map((r) => L.geoJSON(r))).getBounds();
  if (bounds.isValid() && (S.map.getZoom() < STREETS_ZOOM + 1 || !S.map.getBounds().contains(bounds))) {
    S.map.fitBounds(bounds.extend(S.point), { padding: [40, 40], maxZoom: 17 });
  }
}

document.addEventListener("airwarn:route", () => {
  $("map").scrollIntoView({ behavior: "smooth", block: "start" });
  if (S.shelterLayer && S.point) S.map.fitBounds(S.shelterLayer.getBounds().extend(S.point), { padding: [30, 30], maxZoom: 17 });
});

$("search").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  askNotifications();
  await ready; // a resident who types their town before the page has loaded gets it, not "not found"
  const hit = search(S.places, $("q").value);
  if (!hit) { $("area").replaceChildren(el("p", { class: "msg error", role: "alert" }, `${t("not_found")} “${$("q").value}”`)); return; }
  const land = landing(S.places, hit);
  S.map.setView(land.at, Math.max(S.map.getZoom(), land.zoom));
  pick(land.at[0], land.at[1], label(hit));
});

$("locate").addEventListener("click", async () => {
  askNotifications();
  await ready;
  if (!navigator.geolocation) { $("area").replaceChildren(el("p", { class: "msg error" }, t("geo_fail"))); return; }
  navigator.geolocation.getCurrentPosition((pos) => {
    S.map.setView([pos.coords.latitude, pos.coords.longitude], 15);
    pick(pos.coords.latitude, pos.coords.longitude);
  }, () => $("area").replaceChildren(el("p", { class: "msg error", role: "alert" }, t("geo_fail"))), { timeout: 10000 });
});

const ready = boot();
ready.then(() => { showSubscription(S); document.body.setAttribute("data-ready", ""); });
