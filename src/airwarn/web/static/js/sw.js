// Service worker for Web Push: shows the alert the server pushed (headline and instruction in the
// subscriber's language) and opens the public page when tapped. It fetches nothing itself.
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (_) { data = { headline: event.data ? event.data.text() : "" }; }
  const title = data.headline || "airwarn";
  const options = { body: data.instruction || "", tag: data.identifier || "airwarn", renotify: true,
    requireInteraction: data.severity === "Extreme" || data.severity === "Severe",
    icon: "/static/img/alert.svg", data: { url: "/" } };
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.matchAll({ type: "window" }).then((list) => {
    for (const c of list) if ("focus" in c) return c.focus();
    return self.clients.openWindow("/");
  }));
});
