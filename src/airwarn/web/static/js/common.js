// Shared helpers for the console and the public page: API calls, map drawing, live updates.
/* global L */

export const CONFIG = JSON.parse(document.getElementById("airwarn-config").textContent);

export const REGIME_COLOURS = {
  missile_hazard: "#a61e4d",
  drone_hazard: "#c2410c",
  airspace_closed: "#1d4ed8",
};
const PRIORITY = ["missile_hazard", "drone_hazard", "airspace_closed"];
// air-raid alerts (domain/air_raid.py), one kind per threat: the Extreme ones above missile hazard, the rest
// above drone hazard, so a district under both is drawn in the stronger threat's colour
Object.assign(REGIME_COLOURS, {
  air_raid_ballistic_missiles: "#7f1d1d", air_raid_cruise_missiles: "#7f1d1d", air_raid_guided_bombs: "#7f1d1d",
  air_raid_drones: "#b91c1c", air_raid_aircraft: "#b91c1c", air_raid_alert: "#b91c1c",
});
PRIORITY.unshift("air_raid_ballistic_missiles", "air_raid_cruise_missiles", "air_raid_guided_bombs");
PRIORITY.splice(PRIORITY.indexOf("drone_hazard"), 0, "air_raid_drones", "air_raid_aircraft", "air_raid_alert");
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

/** Tooltip content as DOM text (never HTML): names come from imported data and may hold markup. */
export function textTip(text, cls = "") {
  return el("span", { class: cls || null }, text);
}

/** An airport marker icon drawn with a class (no inline style, so a strict CSP allows it). */
export function airportIcon() {
  return L.divIcon({ className: "airport-icon", html: el("span", { "aria-hidden": "true" }, "▲"), iconSize: [20, 20] });
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
 * `onChange(topic, status)` runs whenever the picture changed; `onPoll(ok)` after every poll (so a page can
 * tell fresh from stale) and `onEvent()` on every stream message. A tab coming back to the foreground, or
 * the stream reconnecting, polls at once: a page left open for hours never trusts an old answer.
 */
export function startLive(onChange, setState = () => {}, { onPoll = () => {}, onEvent = () => {}, token = null } = {}) {
  let signature = null;
  let wsUp = false;
  let stopped = false;

  async function poll() {
    try {
      const status = await api("/api/v1/status", { token }); // with a token: proposed state too
      const sig = JSON.stringify([status.regimes.map((r) => [r.id, r.state]), status.measures.map((m) => [m.id, m.ended_at, m.state]),
        status.alerts.map((a) => [a.identifier, a.state]), status.review_queue]);
      if (sig !== signature) {
        signature = sig;
        await onChange("status", status);
      }
      onPoll(true);
    } catch (_) { setState("offline"); onPoll(false); }
  }

  function tick() {
    if (stopped) return;
    const wait = wsUp ? 5000 : 500; // twice a second keeps a change on screen within 1 s; the stream pushes
    poll().finally(() => setTimeout(tick, wait));
  }

  let withToken = Boolean(token);
  function connect() {
    const forcePoll = new URLSearchParams(location.search).get("live") === "poll"; // ?live=poll: no stream
    if (!CONFIG.features.live_ws || forcePoll || stopped) { setState("polling"); return; }
    const proto = location.protocol === "https:" ? "wss" : "ws";
    // a browser cannot set headers on a WebSocket: a signed-in console's token rides as a subprotocol
    // (a server that does not take it refuses the handshake: then the stream is joined without it)
    const protocols = withToken ? ["airwarn", `bearer.${token}`] : undefined;
    let ws;
    let opened = false;
    try { ws = new WebSocket(`${proto}://${location.host}/api/v1/live`, protocols); } catch (_) { setState("polling"); return; }
    ws.onopen = () => { opened = true; wsUp = true; setState("live"); poll(); };
    ws.onmessage = () => { poll(); onEvent(); };
    ws.onclose = () => {
      wsUp = false;
      setState("polling");
      if (!opened && withToken) { withToken = false; connect(); return; }
      setTimeout(connect, 3000);
    };
    ws.onerror = () => { try { ws.close(); } catch (_) { /* closed */ } };
  }

  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") poll(); });
  window.addEventListener("online", () => poll());
  tick();
  connect();
  return { stop() { stopped = true; }, refresh: poll };
}

/**
 * Update a list in place: an item whose signature is unchanged keeps its DOM node (and the keyboard
 * focus or scroll inside it); a changed one is rebuilt and, if it held the focus, the same control in the
 * new node gets it back. `items` in display order; `key(item)`, `sig(item)`, `build(item)` → Element.
 */
export function reconcile(container, items, key, sig, build) {
  const old = new Map([...container.children].filter((n) => n.dataset.key).map((n) => [n.dataset.key, n]));
  const focused = document.activeElement && container.contains(document.activeElement) ? document.activeElement : null;
  const focusKey = focused ? (focused.closest("[data-key]") || {}).dataset : null;
  const focusRole = focused ? focused.dataset.act || focused.textContent : null;
  const scroll = container.scrollTop;
  const wanted = [];
  for (const item of items) {
    const k = String(key(item));
    const s = sig(item);
    let node = old.get(k);
    if (!node || node.dataset.sig !== s) {
      node = build(item);
      node.dataset.key = k;
      node.dataset.sig = s;
    }
    old.delete(k);
    wanted.push(node);
  }
  for (const n of [...container.children]) if (!n.dataset.key || !wanted.includes(n)) n.remove();
  wanted.forEach((node, i) => { if (container.children[i] !== node) container.insertBefore(node, container.children[i] || null); });
  if (focused && !document.contains(focused) && focusKey) {
    const again = container.querySelector(`[data-key="${CSS.escape(focusKey.key)}"]`);
    const target = again && ([...again.querySelectorAll("button, a, [tabindex]")].find((b) => (b.dataset.act || b.textContent) === focusRole) || again);
    if (target) target.focus({ preventScroll: true });
  }
  container.scrollTop = scroll;
}
