// Public page: pick a place, see regimes and instructions, find the nearest shelter, subscribe. English and Russian.
/* global L */
import { api, CONFIG, contains, districtStyle, el, fmtTime, regimesByDistrict, startLive } from "./common.js";

const T = {
  en: {
    title: "Air threat warnings", skip: "Skip to your area", search_label: "Search a place", search_ph: "District, city or airport",
    search: "Find", locate: "Use my location", map_label: "Map: click to pick a place", your_area: "Your area",
    pick: "Click the map, search a place or use your location.", shelter: "Nearest shelter", pick_first: "Pick a place first.",
    now: "In force now", subscribe: "Get alerts", channel: "Channel", address: "Phone (+7…) or URL",
    sub_note: "Alerts for the place you picked, in the language of this page.", subscribe_btn: "Subscribe",
    sub_off: "Subscriptions are not available on this server yet; follow the CAP feed instead.", feed: "CAP alert feed (Atom)",
    "regime.drone_hazard": "Drone hazard", "regime.missile_hazard": "Missile hazard", "regime.airspace_closed": "Airspace closed",
    "regime.none": "No regime", no_regime: "No warning in force here.", outside: "This point is outside the districts on file.",
    region: "Region", since: "since", instructions: "What to do", not_found: "No place found for",
    searching: "Looking for the nearest shelter…", walk: "walk", warning: "warning time", reachable: "Reachable in time",
    unreachable: "Not reachable within the warning time", short_by: "short by", distance: "distance",
    shelter_none: "No shelter data for this place: the shelter map covers only areas whose streets and shelters were imported. Go to an inner room without windows, or a basement.",
    shelter_off: "The shelter service is not available on this server. Go to an inner room without windows, or a basement.",
    capacity: "capacity", min: "min", sec: "s", m: "m", legend_shelter: "Shelter", legend_closed: "Closed shelter", legend_route: "Walking route", safe_room: "No shelter in time: the nearest building is {d} away ({w} on foot). Go inside, into an inner room without windows.", building: "nearest building",
    synthetic: "Demo data: these streets and shelters are a synthetic sample, not a real map.", closed: "closed",
    geo_fail: "Your browser did not share a location", sub_ok: "Subscribed: alerts for this place will reach you.", unsubscribe: "Unsubscribe", unsubscribed: "Unsubscribed.", sub_pick: "Pick a place on the map first.",
    nothing: "No warnings in force.", live: "live", polling: "live", offline: "offline", airports: "Airports", suspended: "suspended",
  },
  ru: {
    title: "Оповещения о воздушной угрозе", skip: "Перейти к вашему району", search_label: "Найти место", search_ph: "Район, город или аэропорт",
    search: "Найти", locate: "Моё местоположение", map_label: "Карта: нажмите, чтобы выбрать место", your_area: "Ваш район",
    pick: "Нажмите на карту, найдите место или определите местоположение.", shelter: "Ближайшее укрытие", pick_first: "Сначала выберите место.",
    now: "Действует сейчас", subscribe: "Получать оповещения", channel: "Канал", address: "Телефон (+7…) или URL",
    sub_note: "Оповещения для выбранного места на языке этой страницы.", subscribe_btn: "Подписаться",
    sub_off: "Подписка на этом сервере пока недоступна; используйте ленту CAP.", feed: "Лента оповещений CAP (Atom)",
    "regime.drone_hazard": "Беспилотная опасность", "regime.missile_hazard": "Ракетная опасность", "regime.airspace_closed": "Воздушное пространство закрыто",
    "regime.none": "Нет режима", no_regime: "Здесь режимов нет.", outside: "Точка вне известных районов.",
    region: "Регион", since: "с", instructions: "Что делать", not_found: "Не найдено:",
    searching: "Ищем ближайшее укрытие…", walk: "пешком", warning: "время оповещения", reachable: "Успеете дойти",
    unreachable: "Не успеть за время оповещения", short_by: "не хватает", distance: "расстояние",
    shelter_none: "Для этого места нет данных об укрытиях: карта укрытий есть только там, где загружены улицы и укрытия. Перейдите во внутреннюю комнату без окон или в подвал.",
    shelter_off: "Служба укрытий на этом сервере недоступна. Перейдите во внутреннюю комнату без окон или в подвал.",
    capacity: "вместимость", min: "мин", sec: "с", m: "м", legend_shelter: "Укрытие", legend_closed: "Укрытие закрыто", legend_route: "Пеший маршрут", safe_room: "До укрытия не успеть: ближайшее здание в {d} ({w} пешком). Зайдите во внутреннюю комнату без окон.", building: "ближайшее здание",
    synthetic: "Демонстрационные данные: эти улицы и укрытия — синтетический пример, а не реальная карта.", closed: "закрыто",
    geo_fail: "Браузер не передал местоположение", sub_ok: "Подписка оформлена: оповещения для этого места будут приходить вам.", unsubscribe: "Отписаться", unsubscribed: "Подписка отменена.", sub_pick: "Сначала выберите место на карте.",
    nothing: "Режимов нет.", live: "онлайн", polling: "онлайн", offline: "нет связи", airports: "Аэропорты", suspended: "закрыт",
  },
};
let lang = localStorage.getItem("airwarn-lang") || (navigator.language || "en").slice(0, 2);
if (!T[lang]) lang = "en";
const t = (k) => T[lang][k] || T.en[k] || k;
const $ = (id) => document.getElementById(id);
const S = { territory: null, districts: [], regions: {}, places: [], layers: {}, status: null, point: null, marker: null,
  shelterLayer: null, picked: null, alerts: {}, shelter: null, streets: null, streetsKey: null, streetsMeta: null };
/** Streets are drawn from this zoom in (a town's network; the whole territory would be too much). */
const STREETS_ZOOM = 13;

function name(p) { return (lang === "ru" ? p.name_ru : p.name_en) || p.name_en || p.code; }

function applyLang() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = t(n.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((n) => { n.placeholder = t(n.dataset.i18nPlaceholder); });
  document.querySelectorAll("[data-i18n-aria]").forEach((n) => { n.setAttribute("aria-label", t(n.dataset.i18nAria)); });
  const other = lang === "en" ? "ru" : "en";
  $("lang").textContent = other === "ru" ? "Русский" : "English";
  $("lang").lang = other;
  $("lang").setAttribute("aria-label", other === "ru" ? "Русский" : "English");
  document.title = t("title");
  fillPlaces();
}
$("lang").addEventListener("click", () => {
  lang = lang === "en" ? "ru" : "en"; localStorage.setItem("airwarn-lang", lang); applyLang(); render(); renderShelter();
});

function fillPlaces() {
  $("places").replaceChildren(...S.places.map((p) => el("option", { value: p.label(lang) })));
}

async function boot() {
  S.territory = await api("/api/v1/territory");
  const feats = S.territory.features;
  S.districts = feats.filter((f) => f.properties.kind === "district" && f.geometry);
  for (const f of feats.filter((x) => x.properties.kind === "region")) S.regions[f.properties.code] = f.properties;
  const centre = (p, f) => (p.centre ? p.centre : f.geometry && f.geometry.type === "Point" ? [f.geometry.coordinates[1], f.geometry.coordinates[0]] : null);
  S.places = feats.map((f) => ({ p: f.properties, at: centre(f.properties, f) })).filter((x) => x.at && ["district", "region", "airport", "shelter"].includes(x.p.kind))
    .map((x) => ({ ...x, label: (l) => {
      const p = x.p; const n = (l === "ru" ? p.name_ru : p.name_en) || p.name_en;
      const where = p.region && S.regions[p.region] ? `, ${(l === "ru" ? S.regions[p.region].name_ru : S.regions[p.region].name_en)}` : "";
      return p.kind === "airport" ? `${n} (${p.icao})${where}` : `${n}${where}`;
    }, names: [x.p.name_en, x.p.name_ru, ...(x.p.aliases || [])].filter(Boolean).map((s) => s.toLowerCase()) }));
  const map = L.map("map", { zoomSnap: 0.25 });
  S.map = map;
  if (CONFIG.tile_url) L.tileLayer(CONFIG.tile_url, { attribution: CONFIG.tile_attribution || "" }).addTo(map);
  map.attributionControl.setPrefix("Leaflet · airwarn");
  const group = L.geoJSON({ type: "FeatureCollection", features: S.districts }, {
    style: (f) => districtStyle(f.properties.regimes || []),
    interactive: false, // a click anywhere picks a point; keyboard users search instead
    onEachFeature: (f, layer) => { S.layers[f.properties.code] = layer; },
  }).addTo(map);
  const view = hashView();
  if (view) map.setView(view.at, view.zoom); else map.fitBounds(group.getBounds(), { padding: [8, 8] });
  map.on("click", (e) => pick(e.latlng.lat, e.latlng.lng));
  map.on("moveend", () => { keepHash(); loadStreets(); });
  window.addEventListener("hashchange", () => { const v = hashView(); if (v) map.setView(v.at, v.zoom); });
  loadStreets();
  applyLang();
  if (CONFIG.features.subscriptions) $("sub-form").classList.remove("hidden"); else $("sub-off").classList.remove("hidden");
  startLive(async (_topic, status) => { S.status = status; await render(); },
    (s) => { $("live-state").textContent = t(s); });
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
    const el2 = l.getElement && l.getElement();
    const p = l.feature && l.feature.properties;
    if (el2 && p) el2.setAttribute("data-map", p.kind);
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

function renderNote() {
  const note = $("shelter-note");
  if (!note) return;
  const meta = S.streetsMeta && S.streetsMeta.source_meta;
  note.replaceChildren(meta && meta.synthetic ? el("span", { title: meta.note || "" }, t("synthetic")) : "");
}

async function render() {
  if (!S.status) return;
  const by = regimesByDistrict(S.status.regimes, S.districts);
  for (const [code, layer] of Object.entries(S.layers)) {
    layer.setStyle(districtStyle(by[code] || [], S.picked && S.picked.code === code));
    const path = layer.getElement && layer.getElement();
    if (path) path.setAttribute("data-regimes", (by[code] || []).join(" ") || "none");
  }
  renderNow();
  await renderArea(by);
}

function renderNow() {
  const groups = {};
  for (const r of S.status.regimes) {
    const key = `${r.region}|${r.kind}`;
    (groups[key] = groups[key] || { r, areas: [] }).areas.push(r.district);
  }
  const items = Object.values(groups).map(({ r, areas }) => {
    const region = S.regions[r.region];
    const names = areas.includes(null) ? [] : areas.map((c) => { const d = S.districts.find((x) => x.properties.code === c); return d ? name(d.properties) : c; });
    return el("li", {}, el("span", { class: `badge ${r.kind}` }, t(`regime.${r.kind}`)), " ", el("strong", {}, region ? name(region) : r.region),
      names.length ? el("div", { class: "small" }, names.join(", ")) : null);
  });
  $("now").replaceChildren(...(items.length ? items : [el("li", { class: "muted" }, t("nothing"))]));
}

async function renderArea(by) {
  if (!S.point) return;
  const box = $("area");
  if (!S.picked) { box.replaceChildren(el("p", {}, t("outside"))); return; }
  const p = S.picked;
  const kinds = by[p.code] || [];
  const region = S.regions[p.region];
  const regimes = S.status.regimes.filter((r) => r.district === p.code || (!r.district && r.region === p.region));
  const alerts = await alertsFor(p);
  box.replaceChildren(
    el("p", {}, el("strong", { id: "area-name" }, name(p)), region ? ` — ${name(region)}` : ""),
    kinds.length
      ? el("ul", { class: "plain", id: "area-regimes" }, regimes.map((r) => el("li", { "data-regime": r.kind },
        el("span", { class: `badge ${r.kind}` }, t(`regime.${r.kind}`)), ` ${t("since")} ${fmtTime(r.declared_at, lang, (S.regions[r.region] || {}).timezone)}`)))
      : el("p", { id: "area-regimes", class: "msg good" }, t("no_regime")),
    ...alerts.map((a) => el("div", { class: "msg", style: "margin-top:.5rem" }, el("strong", {}, a.headline),
      a.instruction ? el("p", { style: "margin:.25rem 0 0" }, `${t("instructions")}: ${a.instruction}`) : null)));
}

/** Issued, still current alerts for the district, in the page language. */
async function alertsFor(p) {
  const list = S.status.alerts;
  const superseded = new Set(list.flatMap((a) => a.references || []));
  const current = list.filter((a) => a.state === "issued" && a.msg_type !== "Cancel" && !superseded.has(a.identifier)
    && a.region === p.region && (!a.districts.length || a.districts.includes(p.code)));
  const full = await Promise.all(current.slice(0, 5).map((a) => S.alerts[a.identifier]
    || api(`/api/v1/alerts/${encodeURIComponent(a.identifier)}`).then((x) => (S.alerts[a.identifier] = x)).catch(() => null)));
  return full.filter(Boolean).map((a) => {
    const info = a.infos.find((i) => i.language.startsWith(lang)) || a.infos[0];
    return { headline: info.headline, instruction: info.instruction };
  });
}

async function pick(lat, lon, label = null) {
  S.point = [lat, lon];
  const f = S.districts.find((d) => contains(d.geometry, lon, lat));
  S.picked = f ? f.properties : null;
  if (S.marker) S.marker.setLatLng([lat, lon]); else S.marker = L.circleMarker([lat, lon], { radius: 7, color: "#111827", weight: 3, fillColor: "#fff", fillOpacity: 1 }).addTo(S.map);
  S.marker.bindTooltip(label || (S.picked ? name(S.picked) : `${lat.toFixed(4)}, ${lon.toFixed(4)}`));
  await render();
  if (!S.status) await renderArea({});
  await shelter(lat, lon);
}

async function shelter(lat, lon) {
  const box = $("shelter");
  if (S.shelterLayer) { S.shelterLayer.remove(); S.shelterLayer = null; }
  S.shelter = null;
  const asked = (S.asked = (S.asked || 0) + 1); // a newer click wins over a slower older answer
  if (!CONFIG.features.shelters) { box.replaceChildren(el("p", { class: "msg", id: "shelter-msg" }, t("shelter_off"))); return; }
  box.replaceChildren(el("p", { class: "muted" }, t("searching")));
  let answer;
  box.setAttribute("data-point", `${lat},${lon}`); // the exact point asked about (tests compare with the API)
  try {
    answer = await api(`/api/v1/shelters/nearest?lat=${lat}&lon=${lon}`);
  } catch (e) {
    if (asked !== S.asked) return;
    box.replaceChildren(el("p", { class: "msg", id: "shelter-msg" }, e.status === 404 || e.status === 422 ? t("shelter_none") : `${t("shelter_off")} (${e.message})`),
      e.message ? el("p", { class: "small muted" }, e.message) : null);
    return;
  }
  if (asked !== S.asked) return;
  S.shelter = answer;
  renderShelter();
  const s = S.shelter;
  const routes = [s.route, !s.reachable && s.alternative ? s.alternative.route : null].filter(Boolean);
  const layers = [];
  const tagged = [];
  const line = (geometry, kind, style) => { const l = L.geoJSON(geometry, { style }); tagged.push([l, kind]); return l; };
  if (s.alternative && !s.reachable) {
    const b = s.alternative.building;
    layers.push(line(s.alternative.route, "safe_room", { color: "#7c2d12", weight: 4, dashArray: "2 6" }),
      L.circleMarker([b.lat, b.lon], { radius: 6, color: "#7c2d12", fillColor: "#fdba74", fillOpacity: 1 }).bindTooltip(t("building")));
  }
  if (s.route) layers.push(line(s.route, "shelter", { color: "#14532d", weight: 5, dashArray: "8 5" }));
  if (s.shelter) {
    layers.push(L.circleMarker([s.shelter.lat, s.shelter.lon], { radius: 9, weight: 3, color: "#14532d", fillColor: "#22c55e", fillOpacity: 1 })
      .bindTooltip(s.shelter.name || "shelter", { permanent: true, direction: "top", offset: [0, -8] }));
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

/** The last nearest-shelter answer, in the page language: name, distance, walking time, verdict, safe room. */
function renderShelter() {
  const s = S.shelter;
  if (!s) return;
  const box = $("shelter");
  const mins = (sec) => `${Math.floor(sec / 60)} ${t("min")} ${Math.round(sec % 60)} ${t("sec")}`;
  const verdict = s.reachable
    ? el("p", { class: "msg good", id: "shelter-verdict", "data-reachable": "true" }, `✔ ${t("reachable")}`)
    : el("p", { class: "msg bad", id: "shelter-verdict", "data-reachable": "false" },
      `✖ ${t("unreachable")}${s.short_by_m === null ? "" : `: ${t("short_by")} ${Math.round(s.short_by_m)} ${t("m")} (${Math.round(s.short_by_s)} ${t("sec")})`}`);
  const alt = !s.reachable && s.alternative
    ? el("p", { class: "msg", id: "shelter-alt" }, t("safe_room").replace("{d}", `${Math.round(s.alternative.distance_m)} ${t("m")}`)
      .replace("{w}", mins(s.alternative.walk_s)) + (s.alternative.building.name ? ` (${s.alternative.building.name})` : "")) : null;
  box.replaceChildren(
    s.shelter ? el("p", {}, el("strong", { id: "shelter-name" }, s.shelter.name || s.shelter.id),
      s.shelter.capacity ? el("span", { class: "small muted" }, ` · ${t("capacity")} ${s.shelter.capacity}`) : null) : null,
    s.shelter ? el("p", { id: "shelter-walk" }, `${t("distance")} ${Math.round(s.distance_m)} ${t("m")} · ${t("walk")} ${mins(s.walk_s)} · `
      + `${t("warning")} ${Math.round(s.warning_s)} ${t("sec")}${s.region && S.regions[s.region] ? ` (${name(S.regions[s.region])})` : ""}`) : null,
    verdict, alt, el("p", { class: "small muted", id: "shelter-note" }));
  renderNote();
}

$("search").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const q = $("q").value.trim().toLowerCase();
  if (!q) return;
  const hit = S.places.find((x) => x.label(lang).toLowerCase() === q || x.label(lang === "en" ? "ru" : "en").toLowerCase() === q)
    || S.places.find((x) => x.names.includes(q)) || S.places.find((x) => x.names.some((n) => n.startsWith(q)))
    || S.places.find((x) => x.label(lang).toLowerCase().includes(q));
  if (!hit) { $("area").replaceChildren(el("p", { class: "msg error", role: "alert" }, `${t("not_found")} “${$("q").value}”`)); return; }
  S.map.setView(hit.at, Math.max(S.map.getZoom(), 7));
  pick(hit.at[0], hit.at[1], hit.label(lang));
});

$("locate").addEventListener("click", () => {
  if (!navigator.geolocation) { $("area").replaceChildren(el("p", { class: "msg error" }, t("geo_fail"))); return; }
  navigator.geolocation.getCurrentPosition((pos) => { S.map.setView([pos.coords.latitude, pos.coords.longitude], 10); pick(pos.coords.latitude, pos.coords.longitude); },
    (err) => $("area").replaceChildren(el("p", { class: "msg error" }, `${t("geo_fail")}: ${err.message}`)), { timeout: 10000 });
});

$("sub-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  if (!S.point) { $("sub-msg").replaceChildren(el("p", { class: "msg error" }, t("sub_pick"))); return; }
  try {
    const sub = await api("/api/v1/subscriptions", { method: "POST", body: {
      channels: [{ channel: $("sub-channel").value, address: $("sub-address").value.trim() }],
      lat: S.point[0], lon: S.point[1], districts: S.picked ? [S.picked.code] : [], language: lang } });
    // the visitor asked for it on this page: confirm straight away; the token stays here to unsubscribe
    await api(`/api/v1/subscriptions/${encodeURIComponent(sub.id)}/confirm`, { method: "POST", body: { token: sub.token } });
    localStorage.setItem("airwarn-subscription", JSON.stringify({ id: sub.id, token: sub.token }));
    showSubscription();
  } catch (e) {
    $("sub-msg").replaceChildren(el("p", { class: "msg error", role: "alert" }, `${e.message}${e.body && e.body.field ? ` (${e.body.field})` : ""}`));
  }
});

function showSubscription() {
  const saved = JSON.parse(localStorage.getItem("airwarn-subscription") || "null");
  if (!saved) { $("sub-msg").replaceChildren(); return; }
  $("sub-msg").replaceChildren(el("p", { class: "msg good", id: "sub-ok" }, `${t("sub_ok")} (${saved.id})`),
    el("button", { type: "button", onclick: async () => {
      try {
        await api(`/api/v1/subscriptions/${encodeURIComponent(saved.id)}/unsubscribe`, { method: "POST", body: { token: saved.token } });
      } catch (_) { /* already gone */ }
      localStorage.removeItem("airwarn-subscription");
      $("sub-msg").replaceChildren(el("p", { class: "msg" }, t("unsubscribed")));
    } }, t("unsubscribe")));
}

boot().then(showSubscription);
