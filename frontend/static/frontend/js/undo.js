// Undo for a saved day: the version a save replaced is kept on this device, and "Undo" puts it
// back through the outbox, so it works offline and the server keeps every version in between.
import { api, NetworkError } from "./api.js";
import { formatLong } from "./dates.js";
import { h, replace } from "./dom.js";
import * as outbox from "./outbox.js";
import * as store from "./store.js";

const UNDO_SECONDS = 30;
// How long the day screen still offers to bring back the version a save replaced.
const KEEP_MS = 24 * 60 * 60 * 1000;
const INPUT_FIELDS = ["headache", "duration_hours", "duration_band", "peak_severity", "features", "disability", "notes", "menstruation"];
let timer = null;
let routes = 0;
let offeredAt = -1;

// The offer follows the save to the screen it returns to, and goes away on the next one.
export function routeChanged() {
  routes += 1;
  const bar = document.getElementById("snackbar");
  if (bar && routes > offeredAt + 1) replace(bar);
}

// What a PUT takes back: the stored day without the server's computed and bookkeeping fields.
export function asInput(body) {
  if (!body) return null;
  const input = {};
  for (const name of INPUT_FIELDS) if (body[name] !== undefined && body[name] !== null) input[name] = body[name];
  // The server answers with both duration fields; it takes only one of them back.
  if (input.duration_hours !== undefined) delete input.duration_band;
  input.medications = (body.medications || []).map((item) => {
    const intake = { medication: item.medication, doses: item.doses, name: item.name };
    if (item.relief) intake.relief = item.relief;
    return intake;
  });
  return input;
}

// Saves a day and keeps what it replaces; returns the kept version.
export async function saveDay(date, body, summary) {
  const before = await outbox.dayView(date);
  const kept = { date, body: asInput(before.body), keptAt: Date.now() };
  await store.put("meta", kept, `previous:${date}`);
  await outbox.queueDay(date, body);
  offer(date, summary);
  return kept;
}

export async function kept(date) {
  const found = await store.get("meta", `previous:${date}`);
  return found && Date.now() - found.keptAt < KEEP_MS ? found : null;
}

export async function restore(date) {
  const found = await store.get("meta", `previous:${date}`);
  if (!found) return false;
  if (found.body) {
    await store.remove("meta", `previous:${date}`);
    await outbox.queueDay(date, found.body);
    return true;
  }
  // The day did not exist before: drop what waits, or delete the server's copy.
  const view = await outbox.dayView(date);
  if (view.pending) await outbox.discard(date);
  if (view.confirmed) {
    try {
      const result = await api.del(`diary/${date}/`);
      if (result.ok || result.status === 404) await store.remove("days", date);
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      return false;
    }
  }
  await store.remove("meta", `previous:${date}`);
  outbox.events.dispatchEvent(new CustomEvent("change", { detail: { date } }));
  return true;
}

function offer(date, summary) {
  const bar = document.getElementById("snackbar");
  if (!bar) return;
  clearTimeout(timer);
  offeredAt = routes;
  const button = h("button", {
    type: "button",
    class: "button",
    text: "Undo",
    onclick: async () => {
      clearTimeout(timer);
      const done = await restore(date);
      replace(bar, h("p", { text: done ? "Undone: the earlier version is back." : "Could not undo while offline." }));
      timer = setTimeout(() => replace(bar), 5000);
    },
  });
  // The day is named: a tap on yesterday's card (or a past one) must not read as today's.
  replace(bar, h("p", { text: `Saved for ${formatLong(date)}: ${summary}.` }), button);
  timer = setTimeout(() => replace(bar), UNDO_SECONDS * 1000);
}
