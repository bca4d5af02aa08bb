// Shared state and helpers of the operator console: the signed-in token, territory lookups, one clock.
import { el, fmtTime } from "./common.js";

export const C = {
  token: sessionStorage.getItem("airwarn-token"), me: null, districts: [], regions: {}, layers: {}, airportLayers: {},
  selected: new Set(), status: null, map: null, live: null, zone: "Europe/Moscow", reviewKey: null, alertKey: null,
  announced: new Set(), districtRegimes: {}, fits: {},
};

export const $ = (id) => document.getElementById(id);

export function auth(opts = {}) { return { ...opts, token: C.token }; }

export const regionName = (code) => (C.regions[code] || {}).name_en || code;
export function districtName(code) {
  const d = C.districts.find((x) => x.properties.code === code);
  return d ? d.properties.name_en : code;
}
/** "Millerovsky, Verkhnedonskoy (Rostov Region)" or "the whole of Rostov Region (55 districts)". */
export function where(region, districts) {
  if (!districts || !districts.length) {
    const n = C.districts.filter((d) => d.properties.region === region).length;
    return `the whole of ${regionName(region)}${n ? ` (${n} districts)` : ""}`;
  }
  return `${districts.map(districtName).join(", ")} (${regionName(region)})`;
}

/** Every time in the console in the area's own zone, with the zone named: one clock. */
export const when = (iso) => fmtTime(iso, "en", C.zone);

export function say(target, text, kind = "") {
  target.replaceChildren(el("p", { class: `msg ${kind}`, role: kind === "error" ? "alert" : null }, text));
  const active = document.activeElement;
  if (target.id === "action-msg" && (!active || active === document.body || !document.contains(active))) target.focus({ preventScroll: true });
}

export function announce(text) {
  const box = $("announce");
  box.textContent = "";
  setTimeout(() => { box.textContent = text; }, 50);
}

/** The error as the server named it, with the field when there is one. */
export function errText(e) {
  return `${e.message}${e.body && e.body.field ? ` (field: ${e.body.field})` : ""}`;
}
