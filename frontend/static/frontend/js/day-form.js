// One day's details: severity, hours, features, medicines (usual ones first), disability, notes.
import { api, NetworkError } from "./api.js";
import { formatLong, isValidIso } from "./dates.js";
import { choices, errorList, field, formValue, formValues, h, replace } from "./dom.js";
import { DISABILITY, FEATURES, SEVERITY, daySummary, statusBadge } from "./labels.js";
import * as outbox from "./outbox.js";
import * as store from "./store.js";

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
  const medicineRows = h("div", { class: "medicine-rows" });
  const doses = new Map((body.medications || []).map((m) => [m.medication, m.doses]));
  const shown = new Set();

  function addMedicineRow(id) {
    if (shown.has(id)) return null;
    shown.add(id);
    const medicine = byId.get(id);
    const input = h("input", { type: "number", min: "0", max: "50", step: "1", inputmode: "numeric", "data-medication": String(id), value: String(doses.get(id) || 0) });
    const row = field(`${medicine ? medicine.name : names.get(id) || `Medicine ${id}`}: doses taken`, input);
    row.classList.add("medicine-row");
    medicineRows.append(row);
    return input;
  }
  for (const id of [...usual, ...doses.keys()]) addMedicineRow(id);

  const others = h("select", { name: "other_medicine" }, h("option", { value: "", text: "Choose a medicine…" }), catalogue.map((item) => h("option", { value: String(item.id), text: item.name })));
  const addOther = h("button", {
    type: "button",
    class: "button",
    text: "Add this medicine",
    onclick: () => {
      const id = Number(others.value);
      if (!id) return;
      const input = addMedicineRow(id) || medicineRows.querySelector(`[data-medication="${id}"]`);
      if (input && Number(input.value) === 0) input.value = "1";
      if (input) input.focus();
    },
  });

  const details = h(
    "div",
    { class: "details" },
    choices("Worst pain", "peak_severity", SEVERITY, { value: body.peak_severity }),
    field("Hours with headache", hours, "0 to 24; use .5 for half an hour."),
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
      h("div", { class: "add-medicine" }, field("Another medicine", others), addOther),
    ),
    choices("How much did it stop you doing things?", "disability", DISABILITY, { value: body.disability ?? 0 }),
  );
  const notes = h("textarea", { name: "notes", maxlength: "2000", rows: "3" });
  notes.value = body.notes || "";

  const sync = () => {
    details.hidden = formValue(form, "headache") === "no";
  };
  headache.addEventListener("change", sync);

  form.append(
    headache,
    details,
    field("Notes (optional)", notes),
    messages,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button primary", text: "Save this day" }), h("a", { class: "button", href: "#/calendar", text: "Cancel" })),
  );
  sync();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const isHeadache = formValue(form, "headache") !== "no";
    const payload = { headache: isHeadache, notes: notes.value.trim() };
    if (isHeadache) {
      const severity = formValue(form, "peak_severity");
      const duration = hours.value === "" ? null : Number(hours.value);
      const problems = [];
      if (!severity) problems.push("Choose how bad the worst pain was.");
      if (duration !== null && (Number.isNaN(duration) || duration < 0 || duration > 24)) problems.push("Hours must be between 0 and 24.");
      if (problems.length) {
        replace(messages, errorList(problems));
        return;
      }
      const ticked = formValues(form, "features");
      Object.assign(payload, {
        peak_severity: Number(severity),
        duration_hours: duration,
        features: Object.fromEntries(FEATURES.map((item) => [item.value, ticked.includes(item.value)])),
        medications: [...medicineRows.querySelectorAll("[data-medication]")]
          .map((input) => ({ medication: Number(input.dataset.medication), doses: Math.round(Number(input.value)) }))
          .filter((intake) => intake.doses > 0)
          .map((intake) => ({ ...intake, name: (byId.get(intake.medication) || {}).name })),
        disability: Number(formValue(form, "disability") || 0),
      });
    }
    // The API ignores the medicines' names; they let this device show the day offline.
    await outbox.queueDay(date, payload);
    ctx.go("#/today");
  });

  const status = h("p", { class: "day-state", "aria-live": "polite" }, statusBadge(view.status));
  const problem = h("div", {}, conflictPanel(view, ctx));
  replace(root, h("h1", { text: formatLong(date) }), status, problem, form);
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
