// Offline-first saving: every day goes to the outbox first, then to PUT /api/v1/diary/{date}/.
import { api, NetworkError } from "./api.js";
import * as store from "./store.js";

export const events = new EventTarget();
let flushing = null;

function changed(detail = {}) {
  events.dispatchEvent(new CustomEvent("change", { detail }));
}

export async function queueDay(date, body) {
  const confirmed = await store.get("days", date);
  const previous = await store.get("outbox", date);
  await store.put("outbox", {
    date,
    body,
    // A day still in conflict keeps the ETag of the version it was based on.
    baseEtag: previous && previous.state === "conflict" ? previous.baseEtag : confirmed ? confirmed.etag : null,
    queuedAt: Date.now(),
    state: previous && previous.state === "conflict" ? "conflict" : "waiting",
    serverVersion: previous ? previous.serverVersion : undefined,
  });
  changed({ date });
  requestBackgroundSync();
  flush();
}

function requestBackgroundSync() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.ready
    .then((registration) => registration.sync && registration.sync.register("outbox"))
    .catch(() => {});
}

export function flush() {
  if (!flushing) {
    flushing = sendAll().finally(() => {
      flushing = null;
    });
  }
  return flushing;
}

async function sendAll() {
  const waiting = (await store.all("outbox")).filter((entry) => entry.state === "waiting");
  for (const entry of waiting) {
    const outcome = await send(entry);
    if (outcome === "stop") break;
  }
  changed();
}

async function send(entry) {
  const headers = entry.baseEtag ? { "If-Match": entry.baseEtag } : {};
  let result;
  try {
    result = await api.put(`diary/${entry.date}/`, entry.body, headers);
  } catch (error) {
    if (error instanceof NetworkError) return "stop";
    throw error;
  }
  if (result.status === 200 || result.status === 201) {
    const etag = result.headers.get("ETag");
    await store.put("days", { date: entry.date, data: result.data, etag, storedAt: Date.now() });
    const current = await store.get("outbox", entry.date);
    if (current && current.queuedAt === entry.queuedAt) await store.remove("outbox", entry.date);
    else if (current) await store.put("outbox", { ...current, baseEtag: etag });
    changed({ date: entry.date });
    return "sent";
  }
  if (result.status === 412) {
    const server = await fetchDay(entry.date);
    if (server === "offline") return "stop";
    const current = (await store.get("outbox", entry.date)) || entry;
    if (server === null) {
      // The day was deleted elsewhere: nothing to choose between, so send ours as new.
      await store.put("outbox", { ...current, baseEtag: null });
      return send({ ...current, baseEtag: null });
    }
    await store.put("outbox", { ...current, state: "conflict", serverVersion: server });
    changed({ date: entry.date });
    return "conflict";
  }
  if (result.status === 400) {
    await store.put("outbox", { ...entry, state: "rejected", errors: result.data });
    changed({ date: entry.date });
    return "rejected";
  }
  if (result.status === 401 || result.status === 403) {
    events.dispatchEvent(new CustomEvent("unauthenticated"));
  }
  // Throttled, server trouble or signed out: keep the entry and try again later.
  return "stop";
}

// The server's copy of one day: {date, data, etag}, null when it has none, "offline" on failure.
export async function fetchDay(date) {
  let result;
  try {
    result = await api.get(`diary/${date}/`);
  } catch (error) {
    if (error instanceof NetworkError) return "offline";
    throw error;
  }
  if (result.status === 404) return null;
  if (!result.ok) return "offline";
  return { date, data: result.data, etag: result.headers.get("ETag") };
}

// Stores what a read of the server said about a day, unless the day changed on this device
// while the read was under way (a save that finished after the read began is newer).
export async function applyServerCopy(date, server, startedAt) {
  const [pending, known] = await Promise.all([store.get("outbox", date), store.get("days", date)]);
  if (pending || (known && (known.storedAt || 0) >= startedAt)) return;
  if (server === null) await store.remove("days", date);
  else await store.put("days", { ...server, storedAt: startedAt });
}

// Refreshes the confirmed copy of a day unless a change to it waits in the outbox.
export async function refreshDay(date) {
  if (await store.get("outbox", date)) return;
  const startedAt = Date.now();
  const server = await fetchDay(date);
  if (server === "offline") return;
  await applyServerCopy(date, server, startedAt);
  changed({ date });
}

export async function resolveConflict(date, keep) {
  const entry = await store.get("outbox", date);
  if (!entry || entry.state !== "conflict") return;
  const server = entry.serverVersion;
  await store.put("days", { ...server, storedAt: Date.now() });
  if (keep === "server") {
    await store.remove("outbox", date);
  } else {
    await store.put("outbox", { ...entry, state: "waiting", baseEtag: server.etag, serverVersion: undefined });
  }
  changed({ date });
  await flush();
}

export async function discard(date) {
  await store.remove("outbox", date);
  changed({ date });
}

// What the screen should show for a day: the pending version if any, else the server's.
export async function dayView(date) {
  const [pending, confirmed] = await Promise.all([store.get("outbox", date), store.get("days", date)]);
  if (pending) {
    return { date, body: pending.body, status: pending.state, pending, confirmed };
  }
  if (confirmed) return { date, body: confirmed.data, status: "saved", confirmed };
  return { date, body: null, status: "missing" };
}

export async function pendingEntries() {
  return store.all("outbox");
}

export function startAutoFlush() {
  window.addEventListener("online", () => flush());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") flush();
  });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "flush-outbox") flush();
    });
  }
  return flush();
}
