// A month grid: severity by colour, number and words; missing days drawn apart from headache-free.
import { api, NetworkError } from "./api.js";
import { addDays, addMonths, formatDate, formatMonth, isValidIso, lastDayOf, monthOf, weekdayIndex, weekdayNames } from "./dates.js";
import { h, replace } from "./dom.js";
import { severityLabel, statusText } from "./labels.js";
import * as outbox from "./outbox.js";
import * as store from "./store.js";

async function refreshMonth(first, last) {
  const startedAt = Date.now();
  try {
    const result = await api.get(`diary/?from=${first}&to=${last}`);
    if (!result.ok) return false;
    const confirmed = new Map((await store.range("days", first, last)).map((day) => [day.date, day]));
    const onServer = new Map(result.data.map((day) => [day.date, day]));
    for (const date of new Set([...confirmed.keys(), ...onServer.keys()])) {
      const day = onServer.get(date);
      const known = confirmed.get(date);
      if (day && known && known.data && known.data.revision === day.revision) continue;
      // The list carries revisions but no ETags; an edit fetches the day's ETag first.
      await outbox.applyServerCopy(date, day ? { date, data: day, etag: null } : null, startedAt);
    }
    return true;
  } catch (error) {
    if (error instanceof NetworkError) return false;
    throw error;
  }
}

// The month's headache days as the server counts them under the patient's rule.
async function monthCount(month, first, last, today) {
  const to = last < today ? last : today;
  const key = `month:${month}`;
  try {
    const result = await api.get(`trends/?from=${first}&to=${to}`);
    if (result.ok) {
      const found = (result.data.months || []).find((item) => item.month === month) || null;
      await store.put("meta", found, key);
      return found;
    }
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
  }
  return (await store.get("meta", key)) || null;
}

async function injectionDates() {
  try {
    const result = await api.get("injections/");
    if (result.ok) {
      await store.put("meta", result.data, "injections");
      return new Set(result.data.map((session) => session.date));
    }
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
  }
  return new Set(((await store.get("meta", "injections")) || []).map((session) => session.date));
}

function countText(counts) {
  if (!counts) return "";
  const logged = counts.logged_days;
  const days = counts.headache_days === 1 ? "1 headache day" : `${counts.headache_days} headache days`;
  return `${days} this month (${logged} of ${counts.elapsed_days} days logged)${counts.complete === false ? " so far" : ""}.`;
}

function cellFor(date, view, today, injected) {
  const day = Number(date.slice(8));
  if (date > today) {
    return h("span", { class: "cell future", "aria-hidden": "true" }, h("span", { class: "num", text: String(day) }));
  }
  const body = view ? view.body : null;
  let kind = "missing";
  let mark = "?";
  let words = "not logged";
  if (body && !body.headache) {
    kind = "free";
    mark = "✓";
    words = "no headache";
  } else if (body) {
    kind = `sev-${body.peak_severity}`;
    mark = String(body.peak_severity);
    words = `${severityLabel(body.peak_severity).toLowerCase()} headache`;
  }
  const waiting = view && view.status !== "saved" && view.status !== "missing";
  const medicine = Boolean(body && (body.medications || []).length);
  const injection = injected.has(date);
  const period = Boolean(body && body.menstruation);
  const extras = [injection ? "injection day" : null, medicine ? "medicine taken" : null, period ? "period" : null].filter(Boolean);
  const label = `${formatDate(date)}: ${[words, ...extras].join(", ")}${waiting ? `, ${statusText(view.status).toLowerCase()}` : ""}`;
  return h(
    "a",
    {
      class: `cell ${kind}${waiting ? " pending" : ""}${date === today ? " today" : ""}`,
      href: `#/day/${date}/calendar`,
      "aria-label": label,
      "data-date": date,
      "data-kind": kind,
      "data-injection": injection ? "true" : null,
      "data-medicine": medicine ? "true" : null,
    },
    h("span", { class: "num", text: String(day) }),
    h("span", { class: "mark", "aria-hidden": "true", text: waiting ? `${mark}…` : mark }),
    h("span", { class: "marks", "aria-hidden": "true", text: `${injection ? "✚" : ""}${medicine ? "●" : ""}${period ? "○" : ""}` }),
  );
}

export async function render(root, ctx) {
  const today = ctx.today();
  const month = ctx.params[0] && isValidIso(`${ctx.params[0]}-01`) ? ctx.params[0] : monthOf(today);
  const first = `${month}-01`;
  const last = lastDayOf(month);
  const grid = h("div", { class: "month-grid", role: "list", "aria-label": formatMonth(month) });
  const note = h("p", { class: "hint", "aria-live": "polite" });
  const count = h("p", { class: "month-count", "aria-live": "polite" });
  let injected = new Set(((await store.get("meta", "injections")) || []).map((session) => session.date));

  async function draw() {
    const views = new Map();
    for (let date = first; date <= last; date = addDays(date, 1)) views.set(date, await outbox.dayView(date));
    const cells = [];
    for (let index = 0; index < weekdayIndex(first); index += 1) cells.push(h("span", { class: "cell blank", "aria-hidden": "true" }));
    for (const [date, view] of views) cells.push(cellFor(date, view, today, injected));
    replace(grid, cells.map((cell) => h("div", { role: "listitem", class: "slot" }, cell)));
  }

  const next = addMonths(month, 1);
  replace(
    root,
    h(
      "div",
      { class: "month-nav" },
      h("a", { class: "button", href: `#/calendar/${addMonths(month, -1)}`, "aria-label": `Previous month, ${formatMonth(addMonths(month, -1))}`, text: "‹ Prev" }),
      h("h1", { text: formatMonth(month) }),
      next <= monthOf(today)
        ? h("a", { class: "button", href: `#/calendar/${next}`, "aria-label": `Next month, ${formatMonth(next)}`, text: "Next ›" })
        : h("span", { class: "month-nav-spacer", "aria-hidden": "true" }),
    ),
    count,
    h("div", { class: "weekdays", "aria-hidden": "true" }, weekdayNames().map((name) => h("span", { text: name.short }))),
    grid,
    note,
    h(
      "ul",
      { class: "legend", "aria-label": "Key" },
      [
        ["missing", "?", "Not logged (dashed)"],
        ["free", "✓", "No headache"],
        ["sev-1", "1", "Mild"],
        ["sev-2", "2", "Moderate"],
        ["sev-3", "3", "Severe"],
        ["pending", "…", "Waiting on this device"],
        ["plain", "✚", "Injection day"],
        ["plain", "●", "Medicine taken"],
        ["plain", "○", "Period"],
      ].map(([kind, mark, text]) => h("li", {}, h("span", { class: `cell mini ${kind}`, "aria-hidden": "true", text: mark }), text)),
    ),
  );
  await draw();
  const [fresh, injections] = await Promise.all([refreshMonth(first, last), injectionDates()]);
  injected = injections;
  if (root.isConnected) {
    note.textContent = fresh ? "" : "Offline: showing the days stored on this device.";
    await draw();
  }
  const recount = async () => {
    if (first > today) return;
    const counts = await monthCount(month, first, last, today);
    if (root.isConnected) count.textContent = countText(counts);
  };
  await recount();
  const onChange = (event) => {
    if (!root.isConnected) {
      outbox.events.removeEventListener("change", onChange);
      return;
    }
    draw();
    // A day of this month reached the server: its count changed.
    if (event.detail && event.detail.date && monthOf(event.detail.date) === month) recount();
  };
  outbox.events.addEventListener("change", onChange);
}
