// The top of the public page: what is in force *here*, what to do, the countdown to shelter, the shelter.
import { el } from "./common.js";
import { fmtDuration, locale, placeName, t } from "./i18n.js";

const RANK = { alert: 4, pre_alert: 3, regime: 2, all_clear: 1, none: 0 };
/** An all-clear is shown for this long after it was sent; after that the place is simply quiet. */
const ALL_CLEAR_SHOWN_MS = 30 * 60 * 1000;

function regimeOf(alert) {
  for (const info of alert.infos || []) {
    for (const [name, value] of info.event_codes || []) if (name === "airwarn:regime") return value;
  }
  return null;
}

/** alert | pre_alert | all_clear | regime (a notice without shelter), from the alert's own fields. */
export function levelOf(alert) {
  if (alert.level) return alert.level === "alert" && !regimeOf(alert) ? "regime" : alert.level;
  const info = (alert.infos || [])[0] || {};
  const responses = info.response_types || [];
  if (responses.includes("AllClear") || info.urgency === "Past") return "all_clear";
  if (info.urgency === "Expected" || info.urgency === "Future") return "pre_alert";
  return responses.includes("Shelter") ? "alert" : "regime";
}

/** When the warning time starts: the alert's onset or effective time, else when it was sent. */
export function startOf(alert) {
  const info = (alert.infos || [])[0] || {};
  return new Date(info.onset || info.effective || alert.sent);
}

/**
 * What is in force at the picked district: the strongest current alert (with its kind), else a regime in
 * force without an alert, else a recent all-clear, else nothing.
 */
export function situation(picked, regimes, alerts, now = Date.now()) {
  let best = { level: "none", kind: null, alert: null };
  const kinds = regimes.map((r) => r.kind);
  if (kinds.length) best = { level: "regime", kind: kinds.includes("missile_hazard") ? "missile_hazard" : kinds[0], alert: null };
  for (const a of alerts) {
    const expires = ((a.infos || [])[0] || {}).expires;
    if (expires && new Date(expires).getTime() < now) continue; // an expired alert no longer speaks for the place
    let level = levelOf(a);
    if (level === "all_clear" && now - new Date(a.sent).getTime() > ALL_CLEAR_SHOWN_MS) continue;
    if (level === "all_clear" && kinds.length) continue; // another regime still holds here
    if (level === "regime" && !kinds.length) level = "none";
    if (RANK[level] > RANK[best.level]) best = { level, kind: regimeOf(a) || best.kind, alert: a };
  }
  return best;
}

/** Under a pre-alert: "Drones approaching your area — about 25 min", from the public forecast for the district
 * (only ever given where the pre-alert is in force); without one the pre-alert's own text stands alone. */
function renderEta(level, kind, etaMin) {
  const box = document.getElementById("hero-eta");
  const on = level === "pre_alert" && Number.isInteger(etaMin) && etaMin > 0;
  box.classList.toggle("hidden", !on);
  box.textContent = on ? t(`approach_${kind === "missile_hazard" ? "missile" : "drone"}`, { m: etaMin }) : "";
  if (on) box.dataset.etaMin = String(etaMin); else delete box.dataset.etaMin;
}

/** The hero block: big state line, what to do, the place; `stale` replaces any reassurance. */
export function renderHero(view) {
  const { place, region, sit, stale, lastFresh, etaMin } = view;
  const hero = document.getElementById("hero");
  let level = sit ? sit.level : "where";
  let title;
  let todo;
  if (!place) {
    title = t("where"); todo = t("where_todo"); level = "where";
  } else {
    const kind = sit.kind ? t(`regime.${sit.kind}`) : t("threat_generic");
    title = t(`level_${sit.level}`, { kind });
    todo = t(`todo_${sit.level}`);
    if (stale && (sit.level === "none" || sit.level === "all_clear" || sit.level === "regime")) {
      level = "stale";
      title = t("stale_state");
      todo = t("stale", { t: lastFresh ? lastFresh.toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" }) : "—" });
    }
  }
  const where = place ? (region ? t("place_of", { d: placeName(place), r: placeName(region) }) : placeName(place)) : "";
  renderEta(level, sit && sit.kind, etaMin);
  const sig = JSON.stringify([level, title, todo, where]);
  hero.className = `hero ${level}`;
  hero.dataset.level = level;
  if (hero.dataset.sig === sig) return; // unchanged: do not re-announce
  hero.dataset.sig = sig;
  document.getElementById("hero-place").textContent = where;
  document.getElementById("hero-title").textContent = title;
  document.getElementById("hero-todo").textContent = todo;
}

let timer = null;

/** A live countdown from the alert's time plus the area's warning time, ticking every second. */
export function renderCountdown(start, warningS, timeZone) {
  const box = document.getElementById("countdown");
  clearInterval(timer);
  if (!start || !warningS) { box.classList.add("hidden"); box.removeAttribute("data-deadline"); return; }
  const deadline = start.getTime() + warningS * 1000;
  box.dataset.deadline = new Date(deadline).toISOString();
  box.classList.remove("hidden");
  const at = start.toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone, timeZoneName: "short" });
  const tick = () => {
    const left = (deadline - Date.now()) / 1000;
    const value = document.getElementById("countdown-value");
    const label = document.getElementById("countdown-label");
    if (left > 0) {
      const s = Math.ceil(left);
      value.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
      label.replaceChildren(t("left"), el("span", { class: "countdown-detail" }, t("countdown_from", { t: at, w: fmtDuration(warningS) })));
      box.dataset.left = String(s);
      box.classList.remove("over");
    } else {
      value.textContent = "0:00";
      label.textContent = t("time_up");
      box.dataset.left = "0";
      box.classList.add("over");
      clearInterval(timer);
    }
  };
  tick();
  timer = setInterval(tick, 1000);
}

/** The nearest shelter under the state: name, walk, verdict, and the fallback with its own verdict. */
export function renderShelter(s, regionName, note) {
  const box = document.getElementById("shelter");
  const verdict = s.reachable
    ? el("p", { class: "verdict good", id: "shelter-verdict", "data-reachable": "true" }, `✔ ${t("reachable")}`)
    : el("p", { class: "verdict bad", id: "shelter-verdict", "data-reachable": "false" },
      `✖ ${t("unreachable")}${s.short_by_m === null || s.short_by_m === undefined ? ""
        : `: ${t("short_by")} ${Math.round(s.short_by_m)} ${t("m")} (${Math.round(s.short_by_s)} ${t("sec")})`}`);
  let alt = null;
  if (!s.reachable && s.alternative) {
    const a = s.alternative;
    const inTime = a.walk_s <= s.warning_s;
    alt = el("div", { class: "fallback", id: "shelter-alt" },
      el("p", {}, t("safe_room", { d: `${Math.round(a.distance_m)} ${t("m")}`, w: fmtDuration(a.walk_s) })
        + (a.building && a.building.name ? ` (${a.building.name})` : "")),
      el("p", { class: `verdict ${inTime ? "good" : "bad"}`, id: "shelter-alt-verdict", "data-reachable": String(inTime) },
        inTime ? `✔ ${t("safe_room_ok")}` : `✖ ${t("safe_room_late")}`));
  } else if (!s.reachable && !s.alternative) {
    alt = el("div", { class: "fallback", id: "shelter-alt" }, el("p", {}, t("fallback_plain")));
  }
  box.replaceChildren(
    el("p", { class: "shelter-head" }, el("span", { class: "small muted" }, `${t("shelter")}: `),
      s.shelter ? el("strong", { id: "shelter-name" }, s.shelter.name || s.shelter.id) : null,
      s.shelter && s.shelter.capacity ? el("span", { class: "small muted" }, ` · ${t("capacity")} ${s.shelter.capacity}`) : null),
    s.shelter ? el("p", { id: "shelter-walk", "data-warning-from": s.warning_from || "" }, `${t("distance")} ${Math.round(s.distance_m)} ${t("m")} · ${t("walk")} ${fmtDuration(s.walk_s)} · `
      + `${t("warning")} ${Math.round(s.warning_s)} ${t("sec")}${warningFrom(s, regionName)}`) : null,
    verdict, alt,
    s.route ? el("button", { type: "button", class: "link-btn", id: "show-route",
      onclick: () => document.dispatchEvent(new CustomEvent("airwarn:route")) }, `${t("route_on_map")} ↓`) : null,
    el("p", { class: "small muted", id: "shelter-note" }, note || ""));
}

/** Whose warning time the answer used: the district's own, the region's or the street import's. */
function warningFrom(s, regionName) {
  if (["district", "region", "import"].includes(s.warning_from)) return ` (${t(`warning_from.${s.warning_from}`)})`;
  return regionName ? ` (${regionName})` : "";
}

/** A plain sentence in the shelter box (no data, no service), always with the fallback advice. */
export function shelterMessage(key) {
  document.getElementById("shelter").replaceChildren(el("p", { class: "msg", id: "shelter-msg" }, t(key)));
}
