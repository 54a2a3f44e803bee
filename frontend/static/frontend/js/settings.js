// Settings: screen theme, time zone, reminders, push, sharing with a clinician, import and
// export, the calendar feed, the access log, the treatment summary, delete, log out.
import { api, auth, csrfToken, NetworkError, notAvailable } from "./api.js";
import { formatDate } from "./dates.js";
import { choices, dataTable, errorList, field, formValue, formValues, h, replace } from "./dom.js";
import { choiceLabel } from "./labels.js";
import * as outbox from "./outbox.js";
import * as store from "./store.js";
import { THEMES, choose, chosen } from "./theme.js";

async function call(messages, action) {
  replace(messages);
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    replace(messages, errorList("You are offline. Try again when you are connected."));
    return null;
  }
}

function ok(messages, text) {
  replace(messages, h("p", { class: "notice success", role: "status", text }));
}

function section(title, ...content) {
  const id = `s-${title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id, text: title }), content);
}

function preferences(ctx) {
  const me = ctx.session.me;
  const messages = h("div", { "aria-live": "polite" });
  const detected = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [detected];
  const zoneList = [...new Set([me.timezone, detected, ...zones].filter(Boolean))].sort();
  const zone = h("select", { name: "timezone" }, zoneList.map((name) => h("option", { value: name, text: name, selected: name === me.timezone })));
  const time = h("input", { type: "time", name: "reminder_time", value: me.reminder_time || "20:00" });
  const enabled = h("input", { type: "checkbox", name: "reminders_enabled", checked: me.reminders_enabled !== false });
  const form = h(
    "form",
    {},
    field("Time zone", zone, detected !== me.timezone ? `This device is set to ${detected}.` : "Detected from this device."),
    h("label", { class: "check" }, enabled, h("span", { text: "Remind me to log each day" })),
    field("Reminder time", time),
    choices("Remind me by", "reminder_channels", [
      { value: "email", label: "Email" },
      { value: "push", label: "Notification on this device" },
    ], { type: "checkbox", value: me.reminder_channels || [] }),
    messages,
    h("button", { type: "submit", class: "button primary", text: "Save settings" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      timezone: zone.value,
      reminder_time: time.value,
      reminders_enabled: enabled.checked,
      reminder_channels: formValues(form, "reminder_channels"),
    };
    // A cleared time field: say so in words, not in the server's format notation.
    if (!time.value) {
      if (enabled.checked) return replace(messages, errorList("Choose a time for your daily reminder, for example 20:00."));
      delete body.reminder_time;
    }
    const result = await call(messages, () => api.patch("me/", body));
    if (!result) return;
    if (!result.ok) return replace(messages, errorList(result.data));
    ctx.session.me = result.data;
    await store.put("meta", result.data, "me");
    ok(messages, "Settings saved.");
  });
  return section("Reminders and time zone", form);
}

function appearance() {
  const picker = choices("Screen colours", "theme", THEMES, { value: chosen(), hint: "Saved on this device." });
  picker.classList.add("theme-choice");
  picker.addEventListener("change", () => choose(formValue(picker, "theme")));
  return section("Screen", picker);
}

function importPreview(preview, messages, reset) {
  const conflicts = preview.conflicts || [];
  const overwrite = h("input", { type: "checkbox", name: "overwrite_conflicts" });
  const rows = (preview.days || []).slice(0, 31).map((day) => [day.date, day.status, day.headache ? `Headache ${day.peak_severity}/3${day.duration_hours !== null ? `, ${day.duration_hours} h` : ""}` : "No headache"]);
  return h(
    "div",
    { class: "import-preview" },
    h("h3", { text: `Preview of ${preview.file_name || "your file"}` }),
    h("p", { text: `${(preview.days || []).length} days found; ${conflicts.length} differ from what your diary already says.` }),
    (preview.errors || []).length ? h("p", { class: "notice warning", text: `${preview.errors.length} rows will be left out: ${preview.errors.slice(0, 3).map((error) => `row ${error.row}: ${error.message.replace(/\.$/, "")}`).join("; ")}` }) : null,
    (preview.new_medications || []).length ? h("p", { text: `New medicines to add to your list: ${preview.new_medications.join(", ")}.` }) : null,
    dataTable("Days in the file (first 31)", ["Date", "Status", "Day"], rows),
    conflicts.length ? h("label", { class: "check" }, overwrite, h("span", { text: "Replace the days that differ with the file's version" })) : null,
    h(
      "div",
      { class: "actions" },
      h("button", {
        type: "button",
        class: "button primary",
        text: "Import these days",
        onclick: async () => {
          const result = await call(messages, () => api.post(`me/imports/${preview.id}/confirm/`, { overwrite_conflicts: overwrite.checked }));
          if (!result) return;
          if (!result.ok) return replace(messages, errorList(result.data));
          reset();
          ok(messages, `Imported: ${result.data.created.length} new days, ${result.data.updated.length} replaced, ${result.data.skipped_conflicts.length} kept as they were.`);
        },
      }),
      h("button", { type: "button", class: "button", text: "Cancel", onclick: reset }),
    ),
  );
}

function importExport() {
  const messages = h("div", { "aria-live": "polite" });
  const previewBox = h("div");
  const file = h("input", { type: "file", name: "file", accept: ".csv,text/csv" });
  const format = h("select", { name: "format" }, [
    h("option", { value: "", text: "Find out from the file" }),
    h("option", { value: "migraine_buddy", text: "Migraine Buddy export" }),
    h("option", { value: "generic", text: "Other spreadsheet (CSV)" }),
  ]);
  const reset = () => {
    replace(previewBox);
    file.value = "";
  };
  const form = h(
    "form",
    {},
    field("A CSV file from another diary app", file, "Nothing is changed until you have seen the preview and confirmed."),
    field("Made by", format),
    h("button", { type: "submit", class: "button", text: "Show a preview" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!file.files.length) return replace(messages, errorList("Choose a file first."));
    const data = new FormData();
    data.append("file", file.files[0]);
    if (format.value) data.append("format", format.value);
    // A preview of an earlier try would otherwise stay, with its button, under the new answer.
    replace(previewBox);
    replace(messages);
    try {
      const response = await fetch("/api/v1/me/imports/", { method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" } });
      const body = await response.json().catch(() => null);
      if (response.status !== 201) return replace(messages, errorList(body || "The file could not be read."));
      replace(previewBox, importPreview(body, messages, reset));
    } catch {
      replace(messages, errorList("You are offline. Try again when you are connected."));
    }
    return null;
  });
  return section(
    "Import and export",
    h("p", {}, h("a", { class: "button", href: "/api/v1/me/diary.csv", download: "headache-diary.csv", text: "Download my diary as a spreadsheet (CSV)" })),
    form,
    previewBox,
    messages,
  );
}

function calendarFeed() {
  const messages = h("div", { "aria-live": "polite" });
  const create = h("button", {
    type: "button",
    class: "button",
    text: "Get my calendar link",
    onclick: async () => {
      const result = await call(messages, () => api.post("me/calendar-feed/"));
      if (!result) return;
      if (!result.ok) return replace(messages, errorList(result.data));
      const url = h("input", { type: "text", readonly: true, value: result.data.url, name: "feed_url" });
      // A long link is hard to select by hand on a phone.
      const copy = h("button", {
        type: "button",
        class: "button",
        text: "Copy the link",
        onclick: async () => {
          url.select();
          try {
            await navigator.clipboard.writeText(url.value);
            copy.textContent = "Copied";
          } catch {
            copy.textContent = "Selected: copy it from the menu";
          }
        },
      });
      replace(messages, h("div", { class: "notice success", role: "status" }, h("p", { text: "Add this link to your calendar app as a subscription. Anyone with the link can see these dates, so keep it private. It is shown only now." }), field("Your calendar link", url), copy));
    },
  });
  const revoke = h("button", {
    type: "button",
    class: "button",
    text: "Stop the calendar link",
    onclick: async () => {
      const result = await call(messages, () => api.del("me/calendar-feed/"));
      if (result && result.ok) ok(messages, "The calendar link no longer works.");
    },
  });
  return section("Calendar", h("p", { text: "Your next injection's due date and side-effect check-ins in your own calendar app. Getting a new link stops the old one." }), h("div", { class: "actions" }, create, revoke), messages);
}

function accessLog() {
  const messages = h("div", { "aria-live": "polite" });
  const list = h("div");
  const show = h("button", {
    type: "button",
    class: "button",
    text: "Show who has seen my diary",
    onclick: async () => {
      const result = await call(messages, () => api.get("me/access-log/"));
      if (!result) return;
      if (!result.ok) return replace(messages, errorList(result.data));
      replace(
        list,
        result.data.length
          ? h("ul", { class: "links" }, result.data.slice(0, 50).map((event) => h("li", { text: `${new Date(event.at).toLocaleString()}: ${event.actor_email}, ${event.action.replace(/_/g, " ")} (${event.resource.replace(/_/g, " ")})` })))
          : h("p", { text: "Nobody else has seen your diary." }),
      );
    },
  });
  return section("Who has seen my diary", show, messages, list);
}

function summaryReport() {
  return section(
    "Treatment summary",
    h("p", { text: "A printable summary of your diary and treatment to take to your appointment." }),
    h("a", { class: "button", href: "/api/v1/report.pdf", download: "treatment-summary.pdf", text: "Download the summary (PDF)" }),
  );
}

// What the first run asked, to change later: name, the recalled baseline, preventives.
function aboutMe(ctx) {
  const me = ctx.session.me;
  const messages = h("div", { "aria-live": "polite" });
  const name = h("input", { type: "text", name: "display_name", autocomplete: "name", maxlength: "150", value: me.display_name || "" });
  const baseline = h("input", { type: "number", name: "recalled_baseline_headache_days", min: "0", max: "28", step: "1", inputmode: "numeric", value: me.recalled_baseline_headache_days ?? "" });
  const preventives = h("textarea", { name: "preventive_medicines_note", rows: "3", maxlength: "2000" });
  preventives.value = me.preventive_medicines_note || "";
  const form = h(
    "form",
    {},
    field("Your name", name),
    field("Headache days in a typical 4 weeks before Botox, as you remember it", baseline, "0 to 28; leave empty if you do not know."),
    field("Medicines you take to prevent migraine", preventives),
    messages,
    h("button", { type: "submit", class: "button primary", text: "Save" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { display_name: name.value.trim(), preventive_medicines_note: preventives.value.trim() };
    // Only a change is sent: the server keeps who gave the figure and when.
    const recalled = baseline.value === "" ? null : Number(baseline.value);
    if (recalled !== (me.recalled_baseline_headache_days ?? null)) body.recalled_baseline_headache_days = recalled;
    const result = await call(messages, () => api.patch("me/", body));
    if (!result) return;
    if (!result.ok) return replace(messages, errorList(result.data));
    ctx.session.me = result.data;
    await store.put("meta", result.data, "me");
    ok(messages, "Saved.");
  });
  return section("About you and your treatment", form);
}

function base64UrlToBytes(value) {
  const padded = (value + "=".repeat((4 - (value.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
}

function push() {
  const messages = h("div", { "aria-live": "polite" });
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  const button = h("button", { type: "button", class: "button", text: "Turn on notifications", disabled: !supported });
  const off = h("button", { type: "button", class: "button", text: "Turn off notifications", hidden: true });
  async function current() {
    if (!supported) return null;
    const registration = await navigator.serviceWorker.ready;
    return registration.pushManager.getSubscription();
  }
  current().then((subscription) => {
    off.hidden = !subscription;
    button.hidden = Boolean(subscription);
  }).catch(() => {});
  // The browser asks for permission only after this tap.
  button.addEventListener("click", async () => {
    const info = await call(messages, () => api.get("push-subscriptions/"));
    if (!info) return;
    if (notAvailable(info) || !info.ok || !info.data || !info.data.vapid_public_key) {
      return replace(messages, errorList("Notifications are not available yet on this service."));
    }
    if ((await Notification.requestPermission()) !== "granted") {
      return replace(messages, errorList("Notifications are blocked. You can allow them in your browser's site settings."));
    }
    try {
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(info.data.vapid_public_key) });
      const result = await call(messages, () => api.post("push-subscriptions/", subscription.toJSON()));
      if (!result) return;
      if (!result.ok) return replace(messages, errorList(result.data || "Notifications could not be turned on."));
      button.hidden = true;
      off.hidden = false;
      ok(messages, "Notifications are on for this device.");
    } catch (error) {
      replace(messages, errorList(`Notifications could not be turned on: ${error.message}`));
    }
  });
  off.addEventListener("click", async () => {
    const subscription = await current();
    if (!subscription) return;
    const result = await call(messages, () => api.del("push-subscriptions/", { endpoint: subscription.endpoint }));
    if (!result) return;
    await subscription.unsubscribe();
    off.hidden = true;
    button.hidden = false;
    ok(messages, "Notifications are off for this device.");
  });
  return section(
    "Notifications",
    h("p", { text: supported ? "Get your daily reminder as a notification on this device." : "This browser cannot show notifications from the diary." }),
    button,
    off,
    messages,
  );
}

function sharedWith(link) {
  const clinician = link.clinician && link.clinician.display_name;
  const clinic = link.clinic && link.clinic.name;
  if (clinician && clinic) return `${clinician} at ${clinic}`;
  return clinician || clinic || null;
}

// A sharing code or link in words, by the status the server gives it.
function linkLabel(link) {
  // The clinic shares the diary among its members: the one who took the code, and the clinic.
  const who = sharedWith(link);
  const created = formatDate(link.created_at.slice(0, 10));
  if (link.status === "revoked") return who ? `You stopped sharing with ${who}` : `Code created ${created}, cancelled`;
  if (who) return `Shared with ${who}`;
  if (link.status === "expired") return `Code created ${created}, expired without being used`;
  return `Code created ${created}, not used yet (valid until ${formatDate(link.expires_at.slice(0, 10))})`;
}

function sharing() {
  const messages = h("div", { "aria-live": "polite" });
  const list = h("ul", { class: "links" });
  const listMessages = h("div", { "aria-live": "polite" });
  async function load() {
    const result = await call(listMessages, () => api.get("care-links/"));
    if (!result || !result.ok) return;
    replace(
      list,
      result.data.length
        ? result.data.map((link) =>
            h(
              "li",
              {},
              h("span", { text: linkLabel(link) }),
              link.clinic && link.status !== "revoked" && link.clinic.members.length
                ? h("p", { class: "hint", text: `Who at ${link.clinic.name} sees your diary: ${link.clinic.members.map((member) => `${member.display_name} (${choiceLabel("clinic_role", member.role).toLowerCase()})`).join(", ")}.` })
                : null,
              ["revoked", "expired"].includes(link.status)
                ? null
                : h("button", {
                    type: "button",
                    class: "button",
                    text: "Stop sharing",
                    "aria-label": sharedWith(link) ? `Stop sharing with ${sharedWith(link)}` : "Cancel this code",
                    onclick: async () => {
                      const done = await call(listMessages, () => api.del(`care-links/${link.id}/`));
                      if (done && done.status === 204) load();
                    },
                  }),
            ),
          )
        : h("li", { text: "You are not sharing your diary with anyone." }),
    );
  }
  const create = h("button", {
    type: "button",
    class: "button primary",
    text: "Create a sharing code",
    onclick: async () => {
      const result = await call(messages, () => api.post("care-links/"));
      if (!result) return;
      if (result.status !== 201) return replace(messages, errorList(result.data));
      replace(
        messages,
        h(
          "div",
          { class: "notice success", role: "status" },
          h("p", { text: "Give this code to your clinician. It works once." }),
          h("p", { class: "code", text: result.data.code }),
          h("p", { text: `Valid until ${new Date(result.data.expires_at).toLocaleString()}.` }),
        ),
      );
      load();
    },
  });
  load();
  return section("Share with your clinician", h("p", { text: "Your clinician sees your diary only after entering a code you give them: create a code, then read it out or show it at your appointment. It works once, for a short time." }), create, messages, listMessages, list);
}

function exportData() {
  const messages = h("div", { "aria-live": "polite" });
  const button = h("button", {
    type: "button",
    class: "button",
    text: "Download my data",
    onclick: async () => {
      const result = await call(messages, () => api.get("me/export/"));
      if (!result) return;
      if (!result.ok) return replace(messages, errorList(notAvailable(result) ? "Export is not available yet." : result.data));
      const blob = new Blob([JSON.stringify(result.data, null, 2)], { type: "application/json" });
      const link = h("a", { href: URL.createObjectURL(blob), download: "headache-diary-export.json", text: "Save the file" });
      replace(messages, h("p", { class: "notice success", role: "status" }, "Your data is ready. ", link));
      link.click();
    },
  });
  return section("All your data", h("p", { text: "Everything the service holds about you, as a JSON file." }), button, messages);
}

// An e-mail address that may break before an "@" or a "." on a small screen, not mid-name.
function address(email) {
  return email.split(/(?=[@.])/).flatMap((part, index) => (index ? [h("wbr"), part] : [part]));
}

function account(ctx) {
  const messages = h("div", { "aria-live": "polite" });
  const logout = h("button", {
    type: "button",
    class: "button",
    text: "Log out",
    onclick: async () => {
      const pending = (await outbox.pendingEntries()).length;
      if (pending && !window.confirm(`${pending} day(s) have not reached the server yet and will be lost. Log out anyway?`)) return;
      try {
        await auth.del("auth/session");
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error;
      }
      await ctx.signedOut();
    },
  });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const form = h(
    "form",
    { class: "danger-zone" },
    h("p", { text: "Deleting your account erases your diary and everything linked to it. This cannot be undone." }),
    field("Your password", password),
    h("button", { type: "submit", class: "button danger", text: "Delete my account" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!window.confirm("Delete your account and all your data for good?")) return;
    const result = await call(messages, () => api.del("me/", { password: password.value }));
    if (!result) return;
    if (result.status === 204 || result.status === 200) return ctx.signedOut();
    replace(messages, errorList(notAvailable(result) ? "Deleting an account is not available yet." : result.data));
  });
  return section("Account", h("p", {}, "Logged in as ", address(ctx.session.me.email), "."), logout, form, messages);
}

export async function render(root, ctx) {
  replace(root, h("h1", { text: "Settings" }), appearance(), aboutMe(ctx), preferences(ctx), push(), sharing(), summaryReport(), importExport(), calendarFeed(), accessLog(), exportData(), account(ctx));
}
