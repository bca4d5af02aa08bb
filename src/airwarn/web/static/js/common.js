// Shared helpers for the console and the public page: API calls, map drawing, live updates.
/* global L */

export const CONFIG = JSON.parse(document.getElementById("airwarn-config").textContent);

export const REGIME_COLOURS = {
  missile_hazard: "#a61e4d",
  drone_hazard: "#c2410c",
  airspace_closed: "#1d4ed8",
};
const PRIORITY = ["missile_hazard", "drone_hazard", "airspace_closed"];
export const NONE_COLOUR = "#cbd5e1";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.message || body.detail)) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** fetch JSON from the API; throws ApiError with the server's message on 4xx/5xx. */
export async function api(path, { method = "GET", token = null, body = undefined, text = false } = {}) {
  const headers = { Accept: text ? "application/xml" : "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) {
    let err = null;
    try { err = await res.json(); } catch (_) { /* not JSON */ }
    throw new ApiError(res.status, err);
  }
  return text ? res.text() : res.json();
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function topRegime(kinds) {
  return PRIORITY.find((k) => kinds.includes(k)) || null;
}

/** regime kinds per district code, from the active regimes (a region-wide regime covers all its districts). */
export function regimesByDistrict(regimes, districtFeatures) {
  const out = {};
  for (const f of districtFeatures) out[f.properties.code] = new Set();
  for (const r of regimes) {
    for (const f of districtFeatures) {
      const p = f.properties;
      if (r.district === p.code || (!r.district && r.region === p.region)) out[p.code].add(r.kind);
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort()]));
}

export function regimeLabel(kind, t = (x) => x) {
  return t(`regime.${kind}`);
}

/** A Leaflet map drawn from the territory's own data (no tiles unless a tile URL is configured). */
export function makeMap(id) {
  const map = L.map(id, { zoomSnap: 0.25, keyboard: true, attributionControl: true, preferCanvas: false });
  if (CONFIG.tile_url) {
    L.tileLayer(CONFIG.tile_url, { attribution: CONFIG.tile_attribution || "", maxZoom: 18 }).addTo(map);
  }
  map.attributionControl.setPrefix("Leaflet · territory data: airwarn");
  return map;
}

export function districtStyle(kinds, selected = false) {
  const top = topRegime(kinds);
  return {
    color: selected ? "#111827" : "#475569",
    weight: selected ? 3 : 0.8,
    dashArray: kinds.includes("airspace_closed") && top !== "airspace_closed" ? "4 3" : null,
    fillColor: top ? REGIME_COLOURS[top] : NONE_COLOUR,
    fillOpacity: top ? 0.6 : 0.35,
  };
}

/** Point in (Multi)Polygon, GeoJSON [lon, lat] order. */
export function contains(geometry, lon, lat) {
  if (!geometry) return false;
  const polys = geometry.type === "Polygon" ? [geometry.coordinates]
    : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
  return polys.some((rings) => ringContains(rings[0], lon, lat)
    && rings.slice(1).every((hole) => !ringContains(hole, lon, lat)));
}

function ringContains(ring, x, y) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** A time for people: in the area's own time zone when it is known (else the browser's), zone named. */
export function fmtTime(iso, lang = "en", timeZone = undefined) {
  if (!iso) return "";
  const d = new Date(iso);
  const options = { day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
  if (timeZone) options.timeZone = timeZone;
  return d.toLocaleString(lang === "ru" ? "ru-RU" : "en-GB", options);
}

/**
 * Live updates: the WebSocket stream when the server has it, else polling /api/v1/status twice a second.
 * `onChange(topic)` is called (at most once per second while polling) whenever something changed.
 */
export function startLive(onChange, setState = () => {}, getToken = () => null) {
  let signature = null;
  let wsUp = false;
  let stopped = false;

  async function poll() {
    try {
      const status = await api("/api/v1/status", { token: getToken() }); // signed in: proposed state too
      const sig = JSON.stringify([status.regimes.map((r) => r.id), status.measures.map((m) => [m.id, m.ended_at]),
        status.alerts.map((a) => [a.identifier, a.state]), status.review_queue]);
      if (sig !== signature) {
        signature = sig;
        onChange("status", status);
      }
    } catch (_) { setState("offline"); }
  }

  function tick() {
    if (stopped) return;
    const wait = wsUp ? 10000 : 500; // twice a second keeps a change on screen within 1 s; the stream pushes
    poll().finally(() => setTimeout(tick, wait));
  }

  function connect() {
    const forcePoll = new URLSearchParams(location.search).get("live") === "poll"; // ?live=poll: no stream
    if (!CONFIG.features.live_ws || forcePoll || stopped) { setState("polling"); return; }
    const proto = location.protocol === "https:" ? "wss" : "ws";
    let ws;
    const token = getToken(); // a browser cannot set headers on a WebSocket: the token rides as a subprotocol
    const protocols = token ? ["airwarn", `bearer.${token}`] : undefined;
    try { ws = new WebSocket(`${proto}://${location.host}/api/v1/live`, protocols); } catch (_) { setState("polling"); return; }
    ws.onopen = () => { wsUp = true; setState("live"); };
    ws.onmessage = () => { poll(); };
    ws.onclose = () => { wsUp = false; setState("polling"); setTimeout(connect, 3000); };
    ws.onerror = () => { try { ws.close(); } catch (_) { /* closed */ } };
  }

  tick();
  connect();
  return { stop() { stopped = true; }, refresh: poll };
}
