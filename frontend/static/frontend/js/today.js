// Today: one tap for a headache-free day, one more for details; yesterday right below.
import { api, NetworkError } from "./api.js";
import { formatLong, todayIn } from "./dates.js";
import { errorList, h, replace } from "./dom.js";
import { daySummary, statusBadge } from "./labels.js";
import * as outbox from "./outbox.js";
import * as store from "./store.js";
import { saveDay } from "./undo.js";

// A day worth a deliberate step before "No headache" replaces it: anything beyond that answer.
function detailed(body) {
  return Boolean(body && (body.headache || body.notes || (body.medications || []).length));
}

// The one-tap answer; a ticked period is not a headache detail, so it stays.
function noHeadache(body) {
  return body && body.menstruation ? { headache: false, menstruation: true } : { headache: false };
}

function keptZoneKey(profile, device) {
  return `diary-zone-kept:${profile}:${device}`;
}

// Travel: the phone's zone differs from the diary's; offer to switch so "today" is local.
function zoneNotice(ctx) {
  const me = ctx.session.me;
  const device = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!me || !me.timezone || !device || device === me.timezone) return null;
  try {
    if (localStorage.getItem(keptZoneKey(me.timezone, device))) return null;
  } catch {
    // No storage: ask each time.
  }
  const messages = h("div", { "aria-live": "polite" });
  const notice = h(
    "section",
    { class: "notice warning", "aria-labelledby": "zone-title" },
    h("h2", { id: "zone-title", text: "Are you in a different time zone?" }),
    h("p", { text: `This phone is set to ${device} (today there is ${formatLong(todayIn(device))}); your diary uses ${me.timezone}.` }),
    h(
      "div",
      { class: "actions" },
      h("button", {
        type: "button",
        class: "button primary",
        text: `Use ${device}`,
        onclick: async () => {
          try {
            const result = await api.patch("me/", { timezone: device });
            if (!result.ok) return replace(messages, errorList(result.data));
            ctx.session.me = result.data;
            await store.put("meta", result.data, "me");
            ctx.go("#/today");
          } catch (error) {
            if (!(error instanceof NetworkError)) throw error;
            replace(messages, errorList("You are offline. Try again when you are connected."));
          }
          return null;
        },
      }),
      h("button", {
        type: "button",
        class: "button",
        text: `Keep ${me.timezone}`,
        onclick: () => {
          try {
            localStorage.setItem(keptZoneKey(me.timezone, device), "1");
          } catch {
            // Nothing to remember it in.
          }
          notice.remove();
        },
      }),
    ),
    messages,
  );
  return notice;
}

export async function render(root, ctx) {
  const today = ctx.today();
  const yesterday = ctx.yesterday();
  const cards = { [today]: h("section", { class: "card" }), [yesterday]: h("section", { class: "card" }) };
  const conflicts = h("div");
  replace(
    root,
    h("h1", { text: "How was your head today?" }),
    ctx.session.me && ctx.session.me.onboarded === false
      ? h("p", { class: "notice" }, "Your treatment is not set up yet. ", h("a", { href: "#/welcome", text: "Set it up now (a few questions)" }))
      : null,
    zoneNotice(ctx),
    conflicts,
    cards[today],
    h("h2", { class: "section-title", text: "Forgot yesterday?" }),
    cards[yesterday],
  );
  const asking = new Set();

  async function draw(date, label) {
    const view = await outbox.dayView(date);
    const headingId = `day-${date}`;
    const confirm = asking.has(date)
      ? h(
          "div",
          { class: "notice warning confirm", role: "alert" },
          h("p", { text: `Replace "${daySummary(view.body)}" with "No headache"? The details you logged would be replaced.` }),
          h(
            "div",
            { class: "actions" },
            h("button", {
              type: "button",
              class: "button danger",
              text: "Yes, replace with No headache",
              onclick: async () => {
                asking.delete(date);
                await saveDay(date, noHeadache(view.body), "No headache");
              },
            }),
            h("button", {
              type: "button",
              class: "button",
              text: "Keep what I logged",
              onclick: () => {
                asking.delete(date);
                draw(date, label);
              },
            }),
          ),
        )
      : null;
    replace(
      cards[date],
      h("h2", { id: headingId }, `${label}, `, h("span", { text: formatLong(date) })),
      h(
        "p",
        { class: "day-state" },
        h("strong", { text: daySummary(view.body) }),
        " ",
        // "Not logged" needs no second "Not logged yet" badge beside it.
        view.status === "missing" ? null : statusBadge(view.status),
      ),
      h(
        "div",
        { class: "big-buttons", role: "group", "aria-labelledby": headingId },
        h("button", {
          type: "button",
          class: `button big${detailed(view.body) ? "" : " primary"}`,
          "data-action": "no-headache",
          text: "No headache",
          "aria-pressed": String(Boolean(view.body && !view.body.headache)),
          onclick: async () => {
            if (detailed(view.body)) {
              asking.add(date);
              await draw(date, label);
              cards[date].querySelector(".confirm button").focus();
              return;
            }
            await saveDay(date, noHeadache(view.body), "No headache");
          },
        }),
        h("a", { class: `button big${detailed(view.body) ? " primary" : ""}`, href: `#/day/${date}`, "data-action": "headache", text: "Headache" }),
      ),
      confirm,
    );
  }

  async function drawAll() {
    await Promise.all([draw(today, "Today"), draw(yesterday, "Yesterday")]);
    const entries = (await outbox.pendingEntries()).filter((entry) => entry.state !== "waiting");
    replace(
      conflicts,
      entries.length
        ? h(
            "div",
            { class: "notice warning", role: "status" },
            h("p", { text: "Some days need your attention:" }),
            h(
              "ul",
              {},
              entries.map((entry) =>
                h("li", {}, h("a", { href: `#/day/${entry.date}`, text: formatLong(entry.date) })),
              ),
            ),
          )
        : null,
    );
  }

  const onChange = () => {
    if (root.isConnected) drawAll();
    else outbox.events.removeEventListener("change", onChange);
  };
  outbox.events.addEventListener("change", onChange);
  await drawAll();
  // The server may know about days logged on another device.
  Promise.all([outbox.refreshDay(today), outbox.refreshDay(yesterday)]).catch(() => {});
  // A bad day logged offline needs the medicine list: keep a copy from each visit online.
  api.get("medications/").then((result) => result.ok && store.put("meta", result.data, "medications")).catch(() => {});
}
