// Today: one tap for a headache-free day, one more for details; yesterday right below.
import { formatLong } from "./dates.js";
import { h, replace } from "./dom.js";
import { daySummary, statusBadge } from "./labels.js";
import * as outbox from "./outbox.js";

export async function render(root, ctx) {
  const today = ctx.today();
  const yesterday = ctx.yesterday();
  const cards = { [today]: h("section", { class: "card" }), [yesterday]: h("section", { class: "card" }) };
  const conflicts = h("div");
  replace(
    root,
    h("h1", { text: "How was your head today?" }),
    conflicts,
    cards[today],
    h("h2", { class: "section-title", text: "Forgot yesterday?" }),
    cards[yesterday],
  );

  async function draw(date, label) {
    const view = await outbox.dayView(date);
    const headingId = `day-${date}`;
    replace(
      cards[date],
      h("h2", { id: headingId }, `${label}, `, h("span", { class: "nowrap", text: formatLong(date) })),
      h(
        "p",
        { class: "day-state" },
        h("strong", { text: daySummary(view.body) }),
        " ",
        statusBadge(view.status),
      ),
      h(
        "div",
        { class: "big-buttons", role: "group", "aria-labelledby": headingId },
        h("button", {
          type: "button",
          class: "button primary big",
          "data-action": "no-headache",
          text: "No headache",
          "aria-pressed": String(Boolean(view.body && !view.body.headache)),
          onclick: async () => {
            await outbox.queueDay(date, { headache: false });
          },
        }),
        h("a", { class: "button big", href: `#/day/${date}`, "data-action": "headache", text: "Headache" }),
      ),
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
}
