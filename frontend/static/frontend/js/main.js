// Boots the patient app: session, service worker, outbox, and a hash router over the screens.
import { api, auth, NetworkError } from "./api.js";
import { addDays, todayIn } from "./dates.js";
import { focusHeading, h, replace } from "./dom.js";
import * as outbox from "./outbox.js";
import * as store from "./store.js";
import "./theme.js";
import { routeChanged } from "./undo.js";

const main = document.getElementById("main");
const nav = document.querySelector(".tabs");
const snackbar = document.getElementById("snackbar");
// The fixed bars' heights, which large text changes: the page keeps room for them (app.css
// --bars-height). The undo offer sits 8 px above the tabs, and is 0 high when it offers nothing.
const bars = new ResizeObserver(() => {
  const root = document.documentElement.style;
  root.setProperty("--tabs-height", `${nav.offsetHeight}px`);
  root.setProperty("--snackbar-height", snackbar.offsetHeight ? `${snackbar.offsetHeight + 8}px` : "0px");
});
bars.observe(nav);
bars.observe(snackbar);
const connection = document.getElementById("connection");

export const session = { me: null, started: false };

export function today() {
  const zone = (session.me && session.me.timezone) || Intl.DateTimeFormat().resolvedOptions().timeZone;
  return todayIn(zone);
}

export function yesterday() {
  return addDays(today(), -1);
}

const PUBLIC = ["login", "signup", "reset", "reset-password", "verify-email"];
const SCREENS = {
  today: ["Today", () => import("./today.js")],
  day: ["Day", () => import("./day-form.js")],
  calendar: ["Calendar", () => import("./calendar.js")],
  treatment: ["Treatment", () => import("./treatment.js")],
  trends: ["Trends", () => import("./trends.js")],
  settings: ["Settings", () => import("./settings.js")],
  welcome: ["Welcome", () => import("./welcome.js")],
  login: ["Log in", () => import("./auth.js")],
  signup: ["Sign up", () => import("./auth.js")],
  reset: ["Reset password", () => import("./auth.js")],
  "reset-password": ["Reset password", () => import("./auth.js")],
  "verify-email": ["Confirm email", () => import("./auth.js")],
};

let routeCount = 0;
// A screen holding unsaved input (the day form) is asked before a tab or the back button leaves
// it: it returns true when it kept the patient there. The app's own moves (go) are deliberate.
let leaving = null;
let deliberate = false;
let shownHash = location.hash;

function guardLeaving(check) {
  leaving = check;
}

async function route() {
  if (!deliberate && leaving && location.hash !== shownHash && leaving(location.hash)) {
    history.replaceState(null, "", shownHash || "#/today");
    return;
  }
  deliberate = false;
  leaving = null;
  shownHash = location.hash;
  const [name = "today", ...params] = (location.hash || "#/today").replace(/^#\/?/, "").split("/");
  const screen = SCREENS[name] ? name : "today";
  if (!session.me && !PUBLIC.includes(screen)) {
    location.replace("#/login");
    return;
  }
  if (session.me && ["login", "signup"].includes(screen)) {
    location.replace("#/today");
    return;
  }
  const count = ++routeCount;
  routeChanged();
  const [title, load] = SCREENS[screen];
  nav.hidden = !session.me;
  nav.querySelectorAll("a").forEach((link) => {
    const active = link.dataset.tab === screen || (screen === "day" && link.dataset.tab === "calendar");
    if (active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  });
  document.title = `${title} · Headache diary`;
  const module = await load();
  if (count !== routeCount) return;
  const container = h("div", { class: "screen", "data-screen": screen });
  replace(main, container);
  await module.render(container, { screen, params, session, go, guardLeaving, today, yesterday, signedIn, signedOut });
  if (routeCount > 1) focusHeading(container);
}

export function go(hash) {
  deliberate = true;
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function loadMe() {
  const result = await api.get("me/");
  if (!result.ok) return null;
  const previous = await store.get("meta", "me");
  // A different person on this device never sees the previous one's diary.
  if (previous && previous.id !== result.data.id) await store.wipe();
  await store.put("meta", result.data, "me");
  return result.data;
}

async function loadSession() {
  try {
    const result = await auth.get("auth/session");
    session.me = result.status === 200 ? await loadMe() : null;
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    // Offline at start: the last signed-in person keeps using the device's copy.
    session.me = (await store.get("meta", "me")) || null;
  }
}

export async function signedIn() {
  session.me = await loadMe();
  startOutbox();
  // A new account sets up its treatment first; every step there can be skipped.
  go(session.me && session.me.onboarded === false ? "#/welcome" : "#/today");
}

export async function signedOut() {
  session.me = null;
  await store.wipe();
  go("#/login");
}

function startOutbox() {
  if (session.started || !session.me) return;
  session.started = true;
  outbox.startAutoFlush();
}

async function updateConnection() {
  const parts = [];
  if (!navigator.onLine) parts.push("Offline: what you save waits on this device.");
  if (session.me) {
    const pending = (await outbox.pendingEntries()).length;
    if (pending) parts.push(pending === 1 ? "1 day waiting to be sent." : `${pending} days waiting to be sent.`);
  }
  connection.textContent = parts.join(" ");
  connection.classList.toggle("offline", !navigator.onLine);
}

outbox.events.addEventListener("change", updateConnection);
outbox.events.addEventListener("unauthenticated", async () => {
  try {
    const result = await auth.get("auth/session");
    // Keep the outbox: it is sent once the same person logs in again.
    if (result.status === 401) {
      session.me = null;
      go("#/login");
    }
  } catch {
    // Offline again; the next flush will tell.
  }
});
window.addEventListener("online", updateConnection);
window.addEventListener("offline", updateConnection);
window.addEventListener("hashchange", route);

async function boot() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  }
  await loadSession();
  startOutbox();
  await updateConnection();
  await route();
  document.documentElement.dataset.ready = "true";
}

boot();
