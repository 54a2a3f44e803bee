// The treatment cycle: where the patient is since the last injection, logging injections and
// side effects (red flags answered by the server's urgent-care message).
import { api, NetworkError } from "./api.js";
import { formatDate } from "./dates.js";
import { appConfig, choices, errorList, field, formValue, h, replace } from "./dom.js";
import { serverChoices } from "./labels.js";
import * as store from "./store.js";

// The server refuses a session too soon after another unless the patient says why: this field
// appears once it has refused a date, and its text goes with the next try.
export function earlyReason() {
  const input = h("input", { type: "text", name: "early_reason", maxlength: "2000" });
  const element = field("If the date is right, why was it sooner than usual?", input, "For example: brought forward by my clinic. Your clinic sees what you write.");
  element.hidden = true;
  return { element, input };
}

// Posts one session; on a refusal shows why (and the reason field) and returns null.
export async function postInjection(body, reason, messages) {
  const given = reason.input.value.trim();
  const result = await api.post("injections/", given ? { ...body, early_reason: given } : body);
  if (result.status === 201) return result;
  const data = result.data || "The injection was not saved.";
  if (result.status === 400 && data.date) {
    reason.element.hidden = false;
    // The server names its API field for scripts; here the patient has the field itself.
    data.date = data.date.map((message) => message.replace(" (early_reason)", ""));
  }
  replace(messages, errorList(data));
  return null;
}


// The running cycle's week and day as the server counts them (trends' last cycle, which runs
// to today), and whether it is past its planned interval with no next injection (the server's
// overdue days): {week, day, overdue}, or null when the server has not said.
async function currentCycle(latest) {
  let trends = null;
  try {
    const result = await api.get("trends/");
    if (result.ok) {
      trends = result.data;
      await store.put("meta", trends, "trends");
    }
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
  }
  trends = trends || (await store.get("meta", "trends"));
  const cycle = trends && (trends.cycles || []).find((item) => item.start === latest.date && !item.complete);
  const weeks = cycle ? cycle.weeks || [] : [];
  // Cycle day 0 is the injection day, so the day is one less than the days the cycle spans.
  if (!weeks.length) return null;
  const overdue = Boolean(cycle.response_window && cycle.response_window.overdue_days);
  return { week: weeks[weeks.length - 1].week, day: cycle.length_days - 1, overdue };
}

async function loadInjections() {
  try {
    const result = await api.get("injections/");
    if (result.ok) {
      await store.put("meta", result.data, "injections");
      return { sessions: result.data, fresh: true };
    }
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
  }
  return { sessions: (await store.get("meta", "injections")) || [], fresh: false };
}

function cycleSummary(latest, count, cycle) {
  const week = cycle && cycle.week;
  if (!latest) {
    return h("section", { class: "card" }, h("h1", { text: "Treatment" }), h("p", { text: "No injection recorded yet. Record your latest injection below to follow your treatment cycle." }));
  }
  const due = latest.next_due_date;
  const overdue = Boolean(cycle && cycle.overdue);
  const planned = `planned every ${latest.planned_interval_weeks} weeks`;
  return h(
    "section",
    { class: overdue ? "card cycle overdue" : "card cycle" },
    h("h1", { text: overdue ? "Your next injection is overdue" : week ? `Week ${week} of ${latest.planned_interval_weeks}` : "Your treatment cycle" }),
    h("p", { class: "lead", text: overdue ? `Week ${week} since your injection on ${formatDate(latest.date)}; ${planned}.` : `since your injection on ${formatDate(latest.date)}.` }),
    h("p", {}, overdue ? "It was due on " : "Next injection due: ", h("strong", { text: due ? formatDate(due) : "not set" }), overdue ? "." : ""),
    h("p", { class: "hint", text: count === 1 ? "This is your first recorded cycle." : `You have recorded ${count} injections.` }),
  );
}

function educationCards(cycle) {
  // The server's cards: those for each day of the cycle (day 0 is the injection day; to null:
  // the planned interval's end), and those for an overdue cycle.
  const cards = appConfig().education_cards;
  const inCycle = cards.filter((card) => !card.overdue);
  let shown;
  if (!cycle) {
    // The day is not known (offline, never synced): only what holds on every day of a cycle.
    shown = inCycle.filter((card) => card.from === 0 && card.to === null);
  } else if (cycle.overdue) {
    shown = cards.filter((card) => card.overdue);
  } else {
    shown = inCycle.filter((card) => cycle.day >= card.from && (card.to === null || cycle.day <= card.to));
  }
  return h(
    "section",
    { "aria-labelledby": "learn-title" },
    h("h2", { id: "learn-title", text: cycle && cycle.overdue ? "While your injection is late" : "For this part of your cycle" }),
    shown.map((card) => h("article", { class: "card education" }, h("h3", { text: card.title }), h("p", { text: card.text }))),
  );
}

function injectionForm(ctx, reload) {
  const messages = h("div", { "aria-live": "polite" });
  const date = h("input", { type: "date", name: "date", required: true, max: ctx.today(), value: ctx.today() });
  const preempt = appConfig().preempt;
  const units = h("input", { type: "number", name: "total_units", min: "5", max: String(appConfig().max_total_units), step: "5", value: String(preempt.total_units), inputmode: "numeric" });
  const unitsField = field("Total units", units, "Your clinic can record the exact sites.");
  const dose = choices("Dose", "dose", [
    { value: "preempt", label: `Standard: ${preempt.total_units} units at ${preempt.points} sites` },
    { value: "custom", label: "A different dose" },
  ], { value: "preempt" });
  const reason = earlyReason();
  const form = h("form", {}, field("Date of the injection", date), dose, unitsField, reason.element, messages, h("button", { type: "submit", class: "button primary", text: "Save injection" }));
  const sync = () => {
    unitsField.hidden = formValue(form, "dose") !== "custom";
  };
  dose.addEventListener("change", sync);
  sync();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const standard = formValue(form, "dose") !== "custom";
    const body = standard
      ? { date: date.value, total_units: preempt.total_units }
      : { date: date.value, total_units: Number(units.value), paradigm: "custom" };
    try {
      if (await postInjection(body, reason, messages)) return reload("Injection saved.");
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      replace(messages, errorList("You are offline. Injections are saved when you are connected."));
    }
    return null;
  });
  return h("section", { class: "card" }, h("h2", { text: "Record an injection" }), form);
}

function sideEffectForm(ctx, latest, reload) {
  const messages = h("div", { "aria-live": "assertive" });
  const kind = h("select", { name: "kind", required: true }, serverChoices("side_effect").map((item) => h("option", { value: item.value, text: item.label })));
  const onset = h("input", { type: "date", name: "onset_date", required: true, min: latest.date, max: ctx.today(), value: ctx.today() });
  const notes = h("textarea", { name: "notes", rows: "2", maxlength: "2000" });
  const form = h(
    "form",
    {},
    field("What happened?", kind),
    field("When did it start?", onset),
    choices("How bad is it?", "severity", [
      { value: 1, label: "Mild" },
      { value: 2, label: "Moderate" },
      { value: 3, label: "Severe" },
    ], { value: 1 }),
    field("Notes (optional)", notes),
    messages,
    h("button", { type: "submit", class: "button primary", text: "Report side effect" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const result = await api.post(`injections/${latest.id}/side-effects/`, {
        kind: kind.value,
        onset_date: onset.value,
        severity: Number(formValue(form, "severity") || 1),
        notes: notes.value.trim(),
      });
      if (result.status !== 201) {
        replace(messages, errorList(result.data || "The report was not saved."));
        return;
      }
      if (result.data.seek_urgent_care) {
        replace(
          messages,
          h("div", { class: "notice urgent", role: "alert" }, h("h3", { text: "Get medical help now" }), h("p", { text: result.data.seek_urgent_care }), h("p", { text: "Your report is saved and your care team will see it." })),
        );
        messages.querySelector(".urgent").tabIndex = -1;
        messages.querySelector(".urgent").focus();
        return;
      }
      reload("Side effect reported. Your care team will see it.");
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      replace(messages, errorList("You are offline. If you have trouble swallowing, speaking or breathing, seek urgent medical care now."));
    }
  });
  return h("section", { class: "card" }, h("h2", { text: "Report a side effect" }), h("p", { class: "hint", text: `After your injection on ${formatDate(latest.date)}.` }), form);
}

export async function render(root, ctx, flash) {
  const { sessions, fresh } = await loadInjections();
  const latest = sessions.length ? sessions[sessions.length - 1] : null;
  const cycle = latest ? await currentCycle(latest) : null;
  const reload = (message) => render(root, ctx, message);
  replace(
    root,
    flash ? h("p", { class: "notice success", role: "status", text: flash }) : null,
    fresh ? null : h("p", { class: "hint", text: "Offline: showing what this device last saw." }),
    cycleSummary(latest, sessions.length, cycle),
    latest ? educationCards(cycle) : null,
    latest ? sideEffectForm(ctx, latest, reload) : null,
    injectionForm(ctx, reload),
  );
}
