// Service worker of the patient app. Served by Django at /sw.js so its scope is the whole app.
const VERSION = "{{ version }}";
const SHELL_CACHE = `shell-${VERSION}`;
const PRECACHE = {{ precache|safe }};
const NETWORK_ONLY = ["/api/", "/_allauth/", "/admin/", "/clinic/"];
const NAVIGATION_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== SHELL_CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

async function navigate(request) {
  const cache = await caches.open(SHELL_CACHE);
  // The fresh shell sets the CSRF cookie, so try the network first, but never wait long: a
  // patient on a weak signal gets the cached shell.
  const network = fetch(request).then((response) => {
    if (response.ok) cache.put("/", response.clone());
    return response;
  });
  const timeout = new Promise((resolve) => setTimeout(resolve, NAVIGATION_TIMEOUT_MS));
  try {
    const response = await Promise.race([network, timeout]);
    if (response) return response;
  } catch {
    // Offline: fall through to the cached shell.
  }
  const cached = await cache.match("/");
  return cached || network;
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (NETWORK_ONLY.some((prefix) => url.pathname.startsWith(prefix))) return;
  if (event.request.mode === "navigate") {
    if (url.pathname === "/") event.respondWith(navigate(event.request));
    return;
  }
  event.respondWith(
    caches.match(event.request, { ignoreSearch: true }).then((cached) => cached || fetch(event.request)),
  );
});

// Background Sync, where the browser has it: wake the open pages so they flush their outbox.
self.addEventListener("sync", (event) => {
  if (event.tag !== "outbox") return;
  event.waitUntil(
    self.clients.matchAll({ type: "window" }).then((clients) => {
      clients.forEach((client) => client.postMessage({ type: "flush-outbox" }));
    }),
  );
});

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(data.title || "Headache diary", {
      body: data.body || "Time to log today.",
      icon: "/static/frontend/icons/icon-192.png",
      badge: "/static/frontend/icons/favicon-32.png",
      data: { url: data.url || "/#/today" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = (event.notification.data && event.notification.data.url) || "/#/today";
  event.waitUntil(
    self.clients.matchAll({ type: "window" }).then((clients) => {
      const open = clients.find((client) => new URL(client.url).origin === self.location.origin);
      if (open) return open.focus().then(() => open.navigate(target));
      return self.clients.openWindow(target);
    }),
  );
});
