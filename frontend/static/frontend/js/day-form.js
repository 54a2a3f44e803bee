// One day's details: severity, how long, features, medicines (usual ones first) and whether
// they helped, disability, menstruation, notes.
import { api, NetworkError, request } from "./api.js";
import { formatLong, isValidIso, monthOf } from "./dates.js";
import { choices, errorList, field, formValue, formValues, h, replace } from "./dom.js";
import { DISABILITY, FEATURES, SEVERITY, daySummary, serverChoices, statusBadge } from "./labels.js";
import * as outbox from "./outbox.js";
import * as store from "./store.js";
import { kept, restore, saveDay } from "./undo.js";

const RESULTS_SHOWN = 8;

// A medicine matches by its name or any of its brand names.
function matches(medicine, query) {
  const words = [medicine.name, ...(medicine.aliases || [])].map((word) => word.toLowerCase());
  return words.some((word) => word.includes(query));
}

function medicineName(medicine) {
  const aliases = medicine.aliases || [];
  return aliases.length ? `${medicine.name} (${aliases.slice(0, 3).join(", ")})` : medicine.name;
}

const USUAL_COUNT = 6;

async function medications() {
  try {
    const result = await api.get("medications/");
    if (result.ok) {
      await store.put("meta", result.data, "medications");
      return result.data;
    }
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
  }
  return (await store.get("meta", "medications")) || [];
}

// The medicines this patient logs most often, from the days on this device.
async function usualIds() {
  const counts = new Map();
  const days = await store.all("days");
  const pending = await store.all("outbox");
  for (const body of [...days.map((day) => day.data), ...pending.map((entry) => entry.body)]) {
    for (const intake of (body && body.medications) || []) {
      counts.set(intake.medication, (counts.get(intake.medication) || 0) + 1);
    }
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, USUAL_COUNT).map(([id]) => id);
}

function versionDetails(title, body) {
  const rows = [["Summary", daySummary(body)]];
  if (body && body.headache) {
    const features = FEATURES.filter((item) => body.features && body.features[item.value]).map((item) => item.label);
    rows.push(["Features", features.join(", ") || "None"]);
    rows.push(["Medicines", (body.medications || []).map((m) => `${m.name || `#${m.medication}`} × ${m.doses}`).join(", ") || "None"]);
  }
  if (body && body.notes) rows.push(["Notes", body.notes]);
  return h(
    "div",
    { class: "version" },
    h("h3", { text: title }),
    h("dl", {}, rows.map(([term, value]) => [h("dt", { text: term }), h("dd", { text: value })])),
  );
}

export async function render(root, ctx) {
  const date = ctx.params[0];
  // Opened from the Calendar: saving goes back to that month, not to Today.
  const back = ctx.params[1] === "calendar" ? `#/calendar/${monthOf(date || "")}` : "#/today";
  if (!date || !isValidIso(date)) {
    ctx.go("#/today");
    return;
  }
  if (date > ctx.today()) {
    replace(root, h("h1", { text: formatLong(date) }), h("p", { text: "This day has not happened yet, so it cannot be logged." }), h("a", { class: "button", href: "#/calendar", text: "Back to the calendar" }));
    return;
  }
  await outbox.refreshDay(date).catch(() => {});
  const [view, catalogue, usual] = await Promise.all([outbox.dayView(date), medications(), usualIds()]);
  const body = view.body || { headache: true };
  const byId = new Map(catalogue.map((item) => [item.id, item]));
  const names = new Map((body.medications || []).map((m) => [m.medication, m.name]));

  const form = h("form", { class: "day-form", novalidate: true });
  const messages = h("div", { "aria-live": "polite" });
  const headache = choices("Did you have a headache?", "headache", [
    { value: "yes", label: "Yes, headache" },
    { value: "no", label: "No headache" },
  ], { value: body.headache === false ? "no" : "yes" });

  const hours = h("input", { type: "number", name: "duration_hours", min: "0", max: "24", step: "0.5", inputmode: "decimal", value: body.duration_hours ?? "" });
  const duration = h(
    "div",
    { class: "duration", id: "duration" },
    choices("How long did it last?", "duration_band", serverChoices("duration_band"), {
      value: body.duration_hours === null || body.duration_hours === undefined ? body.duration_band : null,
      hint: "One tap, or give the hours below.",
    }),
    field("Or the hours (optional)", hours, "0 to 24; use .5 for half an hour."),
  );
  // The band and the hours say the same thing: choosing one clears the other.
  duration.addEventListener("change", (event) => {
    if (event.target.name === "duration_band") hours.value = "";
  });
  hours.addEventListener("input", () => {
    if (hours.value !== "") duration.querySelectorAll('input[name="duration_band"]').forEach((input) => { input.checked = false; });
  });
  const medicineRows = h("div", { class: "medicine-rows" });
  const doses = new Map((body.medications || []).map((m) => [m.medication, m.doses]));
  const reliefs = new Map((body.medications || []).map((m) => [m.medication, m.relief]));
  const shown = new Set();

  function addMedicineRow(id) {
    if (shown.has(id)) return null;
    shown.add(id);
    const medicine = byId.get(id);
    const name = medicine ? medicine.name : names.get(id) || `Medicine ${id}`;
    const input = h("input", { type: "number", min: "0", max: "50", step: "1", inputmode: "numeric", "data-medication": String(id), value: String(doses.get(id) || 0) });
    const row = field(`${name}: doses taken`, input);
    row.classList.add("medicine-row");
    const relief = choices(`Did ${name} help within 2 hours?`, `relief-${id}`, serverChoices("relief"), { value: reliefs.get(id) });
    relief.classList.add("relief");
    const syncRelief = () => {
      relief.hidden = !(Number(input.value) > 0);
    };
    input.addEventListener("input", syncRelief);
    syncRelief();
    medicineRows.append(h("div", { class: "medicine" }, row, relief));
    return input;
  }
  for (const id of [...usual, ...doses.keys()]) addMedicineRow(id);

  function take(id) {
    const input = addMedicineRow(id) || medicineRows.querySelector(`[data-medication="${id}"]`);
    if (input && Number(input.value) === 0) input.value = "1";
    if (input) {
      input.dispatchEvent(new Event("input"));
      input.focus();
    }
  }

  const search = h("input", { type: "search", name: "medicine_search", autocomplete: "off" });
  const results = h("ul", { class: "search-results", "aria-live": "polite" });
  search.addEventListener("input", () => {
    const query = search.value.trim().toLowerCase();
    const found = query ? catalogue.filter((item) => matches(item, query)).slice(0, RESULTS_SHOWN) : [];
    replace(
      results,
      query && !found.length ? h("li", { class: "hint", text: "No medicine by that name: add it as your own below." }) : null,
      found.map((item) =>
        h("li", {}, h("button", { type: "button", class: "button", text: `Add ${medicineName(item)}`, onclick: () => { take(item.id); search.value = ""; replace(results); } })),
      ),
    );
  });

  const ownMessages = h("div", { "aria-live": "polite" });
  const ownName = h("input", { type: "text", name: "own_medicine", maxlength: "100", autocomplete: "off" });
  const ownClass = h("select", { name: "own_medicine_class" }, serverChoices("medication_class").map((item) => h("option", { value: item.value, text: item.label, selected: item.value === "other" })));
  const own = h(
    "details",
    { class: "own-medicine" },
    h("summary", { text: "Not in the list? Add your own medicine" }),
    field("Name of your medicine", ownName),
    field("What kind of medicine is it?", ownClass, "Your pharmacist or the leaflet can tell you; choose Other if unsure."),
    ownMessages,
    h("button", {
      type: "button",
      class: "button",
      text: "Add my medicine",
      onclick: async () => {
        if (!ownName.value.trim()) return replace(ownMessages, errorList("Give your medicine's name."));
        try {
          const result = await api.post("medications/", { name: ownName.value.trim(), medication_class: ownClass.value });
          if (result.status !== 201) return replace(ownMessages, errorList(result.data));
          catalogue.push(result.data);
          byId.set(result.data.id, result.data);
          await store.put("meta", catalogue, "medications");
          replace(ownMessages);
          ownName.value = "";
          take(result.data.id);
        } catch (error) {
          if (!(error instanceof NetworkError)) throw error;
          replace(ownMessages, errorList("You are offline. Your own medicine can be added when you are connected."));
        }
        return null;
      },
    }),
  );

  const details = h(
    "div",
    { class: "details" },
    choices("Worst pain", "peak_severity", SEVERITY, { value: body.peak_severity }),
    duration,
    choices("What was it like? (tick all that apply)", "features", FEATURES, {
      type: "checkbox",
      value: FEATURES.filter((item) => body.features && body.features[item.value]).map((item) => item.value),
    }),
    h(
      "fieldset",
      { class: "medicines" },
      h("legend", { text: "Medicines taken for the headache" }),
      usual.length ? h("p", { class: "hint", text: "Your usual medicines come first." }) : null,
      medicineRows,
      field("Find another medicine (name or brand)", search),
      results,
      own,
    ),
    choices("How much did it stop you doing things?", "disability", DISABILITY, { value: body.disability ?? 0 }),
  );
  const notes = h("textarea", { name: "notes", maxlength: "2000", rows: "3" });
  notes.value = body.notes || "";
  const period = h("input", { type: "checkbox", name: "menstruation", checked: body.menstruation === true });
  const periodField = h("label", { class: "check" }, period, h("span", { text: "I had my period (menstruation) this day" }));

  const sync = () => {
    details.hidden = formValue(form, "headache") === "no";
  };
  headache.addEventListener("change", sync);

  form.append(
    headache,
    details,
    periodField,
    field("Notes (optional)", notes),
    messages,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button primary", text: "Save this day" }), cancelButton(form, back, ctx)),
  );
  sync();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const isHeadache = formValue(form, "headache") !== "no";
    const payload = { headache: isHeadache, notes: notes.value.trim(), menstruation: period.checked };
    if (isHeadache) {
      const severity = formValue(form, "peak_severity");
      const band = formValue(form, "duration_band");
      const exact = hours.value === "" ? null : Number(hours.value);
      const problems = [];
      if (!severity) problems.push("Choose how bad the worst pain was.");
      if (exact === null && !band) problems.push("Choose how long the headache lasted, or give the hours.");
      if (exact !== null && (Number.isNaN(exact) || exact < 0 || exact > 24)) problems.push("Hours must be between 0 and 24.");
      if (problems.length) {
        replace(messages, errorList(problems));
        if (exact === null && !band && severity) duration.querySelector("input").focus();
        return;
      }
      const ticked = formValues(form, "features");
      Object.assign(payload, exact === null ? { duration_band: band } : { duration_hours: exact });
      Object.assign(payload, {
        peak_severity: Number(severity),
        features: Object.fromEntries(FEATURES.map((item) => [item.value, ticked.includes(item.value)])),
        medications: [...medicineRows.querySelectorAll("[data-medication]")]
          .map((input) => ({ medication: Number(input.dataset.medication), doses: Math.round(Number(input.value)) }))
          .filter((intake) => intake.doses > 0)
          .map((intake) => {
            const relief = formValue(form, `relief-${intake.medication}`);
            return { ...intake, name: (byId.get(intake.medication) || {}).name, ...(relief ? { relief } : {}) };
          }),
        disability: Number(formValue(form, "disability") || 0),
      });
    }
    // The API ignores the medicines' names; they let this device show the day offline.
    await saveDay(date, payload, daySummary(payload));
    ctx.go(back);
  });

  const status = h("p", { class: "day-state", "aria-live": "polite" }, statusBadge(view.status));
  const problem = h("div", {}, conflictPanel(view, ctx));
  replace(root, h("h1", { text: formatLong(date) }), status, problem, await previousVersion(date, ctx), form, await serverHistory(date, view, ctx));
  let shownStatus = view.status;
  // A conflict found while this screen is open appears above the form without clearing it.
  const onChange = async () => {
    if (!root.isConnected) {
      outbox.events.removeEventListener("change", onChange);
      return;
    }
    const current = await outbox.dayView(date);
    if (current.status === shownStatus) return;
    shownStatus = current.status;
    replace(status, statusBadge(current.status));
    replace(problem, conflictPanel(current, ctx));
  };
  outbox.events.addEventListener("change", onChange);
  // The outbox may have changed while this screen was loading.
  await onChange();
}

// "Cancel" sits next to "Save": once something was entered, leaving takes a second, deliberate tap.
function cancelButton(form, back, ctx) {
  let changed = false;
  form.addEventListener("input", () => { changed = true; });
  form.addEventListener("change", () => { changed = true; });
  const ask = h("div", { class: "leave", "aria-live": "polite" });
  function askBeforeLeaving(target) {
    replace(
      ask,
      h(
        "div",
        { class: "notice warning confirm", role: "alert" },
        h("p", { text: "Leave without saving? What you entered for this day would be lost." }),
        h("div", { class: "actions" }, h("button", { type: "button", class: "button danger", text: "Leave without saving", onclick: () => ctx.go(target) }), h("button", { type: "button", class: "button", text: "Keep editing", onclick: () => replace(ask) })),
      ),
    );
    ask.querySelector("button").focus();
  }
  // A tab or the back button asks too, once something was entered.
  if (ctx.guardLeaving) ctx.guardLeaving((target) => changed && (askBeforeLeaving(target), true));
  const cancel = h("button", {
    type: "button",
    class: "button",
    text: "Cancel",
    onclick: () => {
      if (!changed) return ctx.go(back);
      askBeforeLeaving(back);
      return null;
    },
  });
  return [cancel, ask];
}

// The version the last save of this day replaced, kept on this device for a day.
async function previousVersion(date, ctx) {
  const found = await kept(date);
  if (!found) return null;
  return h(
    "section",
    { class: "notice", "aria-labelledby": "previous-title" },
    h("h2", { id: "previous-title", text: "Changed your mind?" }),
    h("p", { text: `Before your last change this day said: ${daySummary(found.body)}.` }),
    h("button", { type: "button", class: "button", text: "Bring back the earlier version", onclick: async () => { await restore(date); ctx.go(`#/day/${date}`); } }),
  );
}

// Every version the server kept of this day (each replace, undo or delete keeps one).
async function serverHistory(date, view, ctx) {
  if (!view.confirmed || view.pending) return null;
  let result;
  try {
    result = await api.get(`diary/${date}/history/`);
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    return null;
  }
  if (!result.ok || !result.data.length) return null;
  const messages = h("div", { "aria-live": "polite" });
  return h(
    "details",
    { class: "why history" },
    h("summary", { text: `Earlier versions of this day (${result.data.length})` }),
    h(
      "ul",
      { class: "links" },
      result.data.slice(0, 10).map((version) =>
        h(
          "li",
          {},
          h("span", { text: `${new Date(version.replaced_at).toLocaleString()}: ${version.deleted ? "deleted" : daySummary(version.day)}` }),
          h("button", {
            type: "button",
            class: "button",
            text: "Restore",
            "aria-label": `Restore the version replaced ${new Date(version.replaced_at).toLocaleString()}`,
            onclick: async () => {
              const current = await store.get("days", date);
              const headers = current && current.etag ? { "If-Match": current.etag } : {};
              try {
                const restored = await request("POST", `/api/v1/diary/${date}/restore/`, { body: { version: version.id }, headers });
                if (!restored.ok) return replace(messages, errorList(restored.status === 412 ? "This day changed meanwhile: open it again." : restored.data));
                await store.put("days", { date, data: restored.data, etag: restored.headers.get("ETag"), storedAt: Date.now() });
                outbox.events.dispatchEvent(new CustomEvent("change", { detail: { date } }));
                ctx.go(`#/day/${date}`);
              } catch (error) {
                if (!(error instanceof NetworkError)) throw error;
                replace(messages, errorList("You are offline. Try again when you are connected."));
              }
              return null;
            },
          }),
        ),
      ),
    ),
    messages,
  );
}

function conflictPanel(view, ctx) {
  if (view.status === "rejected") {
    return h(
      "section",
      { class: "notice error" },
      h("h2", { text: "The server did not accept this day" }),
      errorList(view.pending.errors),
      h("p", { text: "Correct it below and save again, or discard your change." }),
      h("button", { type: "button", class: "button", text: "Discard my change", onclick: async () => { await outbox.discard(view.date); ctx.go(`#/day/${view.date}`); } }),
    );
  }
  if (view.status !== "conflict") return null;
  const server = view.pending.serverVersion;
  return h(
    "section",
    { class: "notice warning conflict", "aria-labelledby": "conflict-title" },
    h("h2", { id: "conflict-title", text: "This day was changed somewhere else" }),
    h("p", { text: "Choose which version to keep." }),
    h("div", { class: "versions" }, versionDetails("Your version (on this device)", view.body), versionDetails("Version on the server", server && server.data)),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "button primary", text: "Keep my version", onclick: async () => { await outbox.resolveConflict(view.date, "mine"); ctx.go(`#/day/${view.date}`); } }),
      h("button", { type: "button", class: "button", text: "Keep the server's version", onclick: async () => { await outbox.resolveConflict(view.date, "server"); ctx.go(`#/day/${view.date}`); } }),
    ),
  );
}
