// The alarm on an open page: a sound made here with WebAudio (works offline), vibration, title and
// favicon, and a system notification when the resident allowed them. The all-clear is calm.
let ctx = null;
const baseTitle = { value: document.title };

/** Browsers start audio only after a gesture: the first tap or key anywhere prepares it. */
export function armAudio() {
  const unlock = () => {
    try {
      ctx = ctx || new (window.AudioContext || window.webkitAudioContext)();
      if (ctx.state === "suspended") ctx.resume();
    } catch (_) { ctx = null; }
  };
  for (const ev of ["pointerdown", "keydown", "touchstart"]) window.addEventListener(ev, unlock, { capture: true });
}

/** Tones: a two-tone wail for an alert (about 4 s), one soft falling chime for the all-clear. */
function play(kind) {
  try {
    ctx = ctx || new (window.AudioContext || window.webkitAudioContext)();
  } catch (_) { document.body.dataset.sound = "unavailable"; return; }
  if (ctx.state === "suspended") ctx.resume();
  const now = ctx.currentTime;
  const gain = ctx.createGain();
  gain.connect(ctx.destination);
  const osc = ctx.createOscillator();
  osc.connect(gain);
  if (kind === "alert") {
    osc.type = "sawtooth";
    gain.gain.setValueAtTime(0.0001, now);
    gain.gain.exponentialRampToValueAtTime(0.25, now + 0.05);
    for (let i = 0; i < 8; i += 1) {
      osc.frequency.setValueAtTime(i % 2 ? 660 : 880, now + i * 0.5);
    }
    gain.gain.setValueAtTime(0.25, now + 3.9);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + 4);
    osc.start(now);
    osc.stop(now + 4.05);
  } else {
    osc.type = "sine";
    osc.frequency.setValueAtTime(660, now);
    osc.frequency.exponentialRampToValueAtTime(440, now + 1.2);
    gain.gain.setValueAtTime(0.0001, now);
    gain.gain.exponentialRampToValueAtTime(0.12, now + 0.1);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + 1.5);
    osc.start(now);
    osc.stop(now + 1.55);
  }
  document.body.dataset.sound = kind;
  document.body.dataset.lastSound = kind;
  document.body.dataset.audio = ctx.state;
  osc.onended = () => { document.body.dataset.audio = ctx ? ctx.state : "closed"; delete document.body.dataset.sound; };
}

function setFavicon(name) {
  const link = document.getElementById("favicon");
  if (link) link.href = `/static/img/${name}.svg`;
}

/** Sound, vibration, title, favicon and notification for `kind` ("alert" | "all_clear"). */
export function sound(kind, { title, body }) {
  play(kind);
  if (navigator.vibrate) {
    try { navigator.vibrate(kind === "alert" ? [600, 200, 600, 200, 600] : [150]); } catch (_) { /* not allowed */ }
  }
  document.title = `${kind === "alert" ? "⚠ " : "✔ "}${title} — ${baseTitle.value}`;
  setFavicon(kind === "alert" ? "alert" : "clear");
  notify(kind, title, body);
}

/** Title and favicon back to quiet (nothing in force, or the page language changed). */
export function quiet(title) {
  baseTitle.value = title;
  document.title = title;
  setFavicon("icon");
}

export function keepTitle(title) { baseTitle.value = title; }

function notify(kind, title, body) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  try {
    const n = new Notification(title, { body, tag: "airwarn", renotify: true, requireInteraction: kind === "alert",
      icon: `/static/img/${kind === "alert" ? "alert" : "clear"}.svg` });
    n.onclick = () => { window.focus(); n.close(); };
  } catch (_) {
    // some browsers allow notifications only from a service worker
    if (navigator.serviceWorker && navigator.serviceWorker.ready) {
      navigator.serviceWorker.ready.then((r) => r.showNotification(title, { body, tag: "airwarn" })).catch(() => {});
    }
  }
}

/** Ask once, from a gesture (picking a place), whether the page may show system notifications. */
export function askNotifications() {
  if ("Notification" in window && Notification.permission === "default") {
    try { Notification.requestPermission().catch(() => {}); } catch (_) { /* old callback API */ }
  }
}
