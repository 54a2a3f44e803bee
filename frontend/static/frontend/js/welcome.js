// First run after sign-up: a few skippable steps that set up the treatment record, then
// PATCH /me/ onboarded. Each step saves on "Next" and can be skipped.
import { api, NetworkError } from "./api.js";
import { formatDate } from "./dates.js";
import { appConfig, errorList, field, h, replace } from "./dom.js";
import * as store from "./store.js";
import { earlyReason, postInjection } from "./treatment.js";

const EARLIER_SHOWN = 3;

async function send(messages, action) {
  replace(messages);
  try {
    const result = await action();
    if (result.ok) return result;
    if (!result.shown) replace(messages, errorList(result.data || "That was not saved."));
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    replace(messages, errorList("You are offline. Try again when you are connected, or skip this step."));
  }
  return null;
}

async function saveMe(ctx, messages, body) {
  const result = await send(messages, () => api.patch("me/", body));
  if (!result) return false;
  ctx.session.me = result.data;
  await store.put("meta", result.data, "me");
  return true;
}

function nameStep(ctx) {
  const name = h("input", { type: "text", name: "display_name", autocomplete: "name", maxlength: "150", value: ctx.session.me.display_name || "" });
  return {
    title: "What should we call you?",
    intro: "Your clinic sees this name next to your diary.",
    fields: [field("Your name", name)],
    save: (messages) => (name.value.trim() ? saveMe(ctx, messages, { display_name: name.value.trim() }) : true),
  };
}

function zoneStep(ctx) {
  const me = ctx.session.me;
  const detected = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const current = me.timezone || detected;
  const zone = h("select", { name: "timezone" }, [...new Set([current, detected, ...zones].filter(Boolean))].sort().map((item) => h("option", { value: item, text: item, selected: item === current })));
  const time = h("input", { type: "time", name: "reminder_time", value: me.reminder_time || "20:00" });
  return {
    title: "Your time zone and daily reminder",
    intro: "Days are counted in your time zone; the reminder comes at this time each day.",
    fields: [field("Time zone", zone, `This phone is set to ${detected}.`), field("Reminder time", time)],
    save: (messages) => saveMe(ctx, messages, { timezone: zone.value, reminder_time: time.value }),
  };
}

function injectionStep(ctx) {
  const preempt = appConfig().preempt || {};
  const last = h("input", { type: "date", name: "last_injection", max: ctx.today() });
  const reason = earlyReason();
  const earlier = Array.from({ length: EARLIER_SHOWN }, () => h("input", { type: "date", max: ctx.today() }));
  const earlierList = h(
    "details",
    {},
    h("summary", { text: "Add earlier injections (if you know the dates)" }),
    earlier.map((input, index) => field(`Earlier injection ${index + 1}`, input)),
  );
  return {
    title: "Your last Botox injection",
    intro: `If treatment has started, give the date of your latest injection: the diary then shows where you are in the ${preempt.interval_weeks || ""}-week cycle. The dose is recorded as the standard ${preempt.total_units} units; your clinic can correct it.`,
    fields: [field("Date of your last injection", last), earlierList, reason.element],
    save: async (messages) => {
      const dates = [last.value, ...earlier.map((input) => input.value)].filter(Boolean);
      if (!dates.length) return true;
      // What the server has now: a date saved by an earlier try of this step is not sent again.
      const before = await send(messages, () => api.get("injections/"));
      if (!before) return false;
      const known = new Set(before.data.map((session) => session.date));
      // Newest first: the last injection, which the cycle counts from, is kept even when an
      // earlier date is refused (the server checks each against its neighbours both ways).
      for (const date of [...new Set(dates)].sort().reverse()) {
        if (known.has(date)) continue;
        const saved = await send(messages, async () => (await postInjection({ date, total_units: preempt.total_units }, reason, messages)) || { ok: false, shown: true });
        if (!saved) return false;
        known.add(date);
      }
      const all = await api.get("injections/");
      if (all.ok) await store.put("meta", all.data, "injections");
      return true;
    },
  };
}

function baselineStep(ctx) {
  const days = h("input", { type: "number", name: "recalled_baseline", min: "0", max: "28", step: "1", inputmode: "numeric" });
  return {
    title: "Before Botox",
    intro: "Until your diary covers the weeks before treatment, your own memory is the starting point your progress is compared with. It is marked as recalled by you.",
    fields: [field("In a typical 4 weeks before Botox, on how many days did you have a headache?", days, "A number from 0 to 28.")],
    save: (messages) => {
      if (days.value === "") return true;
      const value = Number(days.value);
      if (!Number.isInteger(value) || value < 0 || value > 28) {
        replace(messages, errorList("Give a whole number from 0 to 28."));
        return false;
      }
      return saveMe(ctx, messages, { recalled_baseline_headache_days: value });
    },
  };
}

function preventiveStep(ctx) {
  const text = h("textarea", { name: "preventives", rows: "3", maxlength: "2000" });
  text.value = ctx.session.me.preventive_medicines_note || "";
  return {
    title: "Medicines you take to prevent migraine",
    intro: "Tablets or injections you take every day or every month to have fewer migraines (not the ones you take during an attack). Your clinic sees what you write here.",
    fields: [field("Your preventive medicines", text, "For example: propranolol 80 mg twice a day, topiramate.")],
    save: (messages) => (text.value.trim() ? saveMe(ctx, messages, { preventive_medicines_note: text.value.trim() }) : true),
  };
}

function sharingStep() {
  const shown = h("div", { "aria-live": "polite" });
  return {
    title: "Sharing with your clinic",
    intro: "Your clinic sees your diary only after you give them a sharing code. Create one here, or later in Settings under \u201cShare with your clinician\u201d; read it out or show it at your appointment, and your clinic types it in. A code works once and for a short time; you can stop sharing at any time in Settings.",
    fields: [
      h("button", {
        type: "button",
        class: "button",
        text: "Create a sharing code now",
        onclick: async () => {
          const result = await send(shown, () => api.post("care-links/"));
          if (!result) return;
          replace(
            shown,
            h("div", { class: "notice success", role: "status" }, h("p", { text: "Give this code to your clinic:" }), h("p", { class: "code", text: result.data.code }), h("p", { text: `Valid until ${formatDate(result.data.expires_at.slice(0, 10))}.` })),
          );
        },
      }),
      shown,
    ],
    save: () => true,
  };
}

const STEPS = [nameStep, zoneStep, injectionStep, baselineStep, preventiveStep, sharingStep];

async function finish(ctx, messages) {
  if (await saveMe(ctx, messages, { onboarded: true })) ctx.go("#/today");
}

export async function render(root, ctx) {
  const index = Math.min(Math.max(Number(ctx.params[0]) || 0, 0), STEPS.length - 1);
  const step = STEPS[index](ctx);
  const messages = h("div", { "aria-live": "polite" });
  const last = index === STEPS.length - 1;
  const next = async () => {
    if (last) return finish(ctx, messages);
    return ctx.go(`#/welcome/${index + 1}`);
  };
  const form = h(
    "form",
    {},
    step.fields,
    messages,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "button primary", text: last ? "Finish" : "Next" }),
      h("button", { type: "button", class: "button", text: "Skip this step", onclick: next }),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const saved = await step.save(messages);
    if (saved === true) await next();
  });
  replace(
    root,
    h("p", { class: "steps", text: `Setting up: step ${index + 1} of ${STEPS.length}` }),
    h("h1", { text: step.title }),
    h("p", { text: step.intro }),
    form,
    h("p", {}, h("button", { type: "button", class: "button", text: "Skip the set-up for now", onclick: () => finish(ctx, messages) })),
  );
}
