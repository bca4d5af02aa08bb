// Live threat tracks on the console map: where each track is, its class and state, the path behind it and the
// corridor ahead; the districts about to be warned outlined on the map and listed soonest first with their ETA
// window and the tracks behind them. Polled (staff only): a tracks topic on the live stream would wake every
// public page on every detection batch.
/* global L */
import { api, el, reconcile, textTip } from "./common.js";
import { $, C, regionName } from "./console_state.js";

const CLASS = {
  shahed: "Shahed-type drone", jet_drone: "jet drone", cruise_missile: "cruise missile",
  ballistic_missile: "ballistic missile", aircraft: "aircraft", unknown: "unknown class",
};
const LEVEL = { none: "watch", pre_alert: "pre-alert", alert: "alert" };
const RANK = { none: 0, pre_alert: 1, alert: 2 };
const POLL_MS = 4000;
const T = { layer: null, sig: null, onWarn: () => {} };

/** "12–18 min", "12 min" or "over it now": the window in which the first threat can arrive. */
export function etaWindow(o) {
  if (o.inside) return "over it now";
  const a = Math.floor(o.earliest_s / 60);
  const b = Math.max(a, Math.ceil(o.latest_s / 60));
  return a === b ? `${a} min` : `${a}–${b} min`;
}

/** The stronger of what the ETA calls for and what the board raised: how the district is marked. */
export const warnLevel = (o) => (RANK[o.due] >= RANK[o.level] ? o.due : o.level);

export function initTracks(onWarn) {
  T.onWarn = onWarn;
  T.layer = L.layerGroup().addTo(C.map);
  $("tracks-picture").addEventListener("change", () => { T.sig = null; refresh(); });
  refresh();
  setInterval(refresh, POLL_MS);
}

async function refresh() {
  const status = $("tracks-picture").value;
  let tracks;
  let districts;
  try {
    [tracks, districts] = await Promise.all([api(`/api/v1/tracks?status=${status}`, { token: C.token }),
      api(`/api/v1/tracks/districts?status=${status}`, { token: C.token })]);
  } catch (e) {
    $("tracks-msg").textContent = `Tracks not available: ${e.message}`;
    return;
  }
  const sig = JSON.stringify(tracks.map((t) => [t.id, t.state, t.class, t.lat, t.lon, t.corridor, t.history]));
  if (sig !== T.sig) { T.sig = sig; draw(tracks); } // redrawn when a track moves, not as its ETAs count down
  list(districts, tracks);
  C.warn = Object.fromEntries(districts.filter((d) => warnLevel(d) !== "none").map((d) => [d.district, warnLevel(d)]));
  T.onWarn();
}

function trackText(t) {
  const kmh = Math.round(t.speed_mps * 3.6);
  return `Track ${t.id}: ${CLASS[t.class] || t.class}, ${t.state}, ${kmh} km/h heading ${Math.round(t.heading_deg)}°`
    + ` (±${(t.position_sd_m / 1000).toFixed(1)} km, ${t.sensors} sensors)`;
}

function tag(layer, attrs) {
  layer.eachLayer((x) => {
    const node = x.getElement && x.getElement();
    if (node) for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  });
}

function draw(tracks) {
  T.layer.clearLayers();
  for (const t of tracks) {
    if (t.corridor) {
      const cone = L.geoJSON(t.corridor, { interactive: false,
        style: { color: "#6d28d9", weight: 1, dashArray: "4 4", fillColor: "#a78bfa", fillOpacity: 0.12 } }).addTo(T.layer);
      tag(cone, { "data-map": "corridor", "data-track": t.id });
    }
    const path = L.geoJSON(t.history, { interactive: false, style: { color: "#111827", weight: 2.5, opacity: 0.85 } }).addTo(T.layer);
    tag(path, { "data-map": "track-path", "data-track": t.id });
    const dot = L.circleMarker([t.lat, t.lon], { radius: t.state === "confirmed" ? 7 : 5, weight: 2, color: "#111827",
      fillColor: t.state === "confirmed" ? "#6d28d9" : "#e5e7eb", fillOpacity: 1 }).bindTooltip(textTip(trackText(t))).addTo(T.layer);
    const node = dot.getElement && dot.getElement();
    if (node) {
      node.setAttribute("data-map", "track");
      node.setAttribute("data-track", t.id);
      node.setAttribute("data-class", t.class);
      node.setAttribute("data-state", t.state);
    }
  }
}

function list(districts, tracks) {
  const warned = districts.filter((d) => warnLevel(d) !== "none");
  const confirmed = tracks.filter((t) => t.state === "confirmed").length;
  const later = districts.length - warned.length;
  $("tracks-msg").textContent = tracks.length
    ? `${tracks.length} live track${tracks.length === 1 ? "" : "s"} (${confirmed} confirmed) · ${warned.length} district`
      + `${warned.length === 1 ? "" : "s"} about to be warned${later ? ` · ${later} more in the corridors, further out` : ""}`
    : "No live tracks.";
  reconcile($("approach"), warned, (d) => d.district, (d) => JSON.stringify(d), (d) => {
    const level = warnLevel(d);
    const raised = d.level !== "none" && RANK[d.level] >= RANK[d.due];
    return el("li", { "data-district": d.district, "data-level": d.level, "data-due": d.due, class: `warn-${level}` },
      el("strong", { class: "approach-name" }, d.name), ` (${regionName(d.region)}) `,
      el("span", { class: "approach-eta" }, etaWindow(d)), " ",
      el("span", { class: `badge lvl-${level}` }, LEVEL[level]),
      el("span", { class: "small" }, raised ? " raised" : " due, not raised yet"),
      el("div", { class: "small muted approach-tracks" }, `track${d.tracks.length === 1 ? "" : "s"} ${d.tracks.join(", ")}`));
  });
}
