// Trends from GET /api/v1/trends/: every number comes from the server; this screen only draws.
import { api, NetworkError, notAvailable } from "./api.js";
import { formatDate, formatShort } from "./dates.js";
import { dataTable, h, replace } from "./dom.js";
import { serverChoices } from "./labels.js";
import * as store from "./store.js";

const RECENT_CYCLES = 3;
// The theme's chart colours (app.css): fixed ones vanished on the dark themes' cards.
const CYCLE_COLOURS = ["--blue", "--chart-2", "--chart-3"];

// The API's payload (diary/api/trends.py TrendsSerializer); a missing value shows as a dash.
function pick(item, name) {
  return item && item[name] !== undefined ? item[name] : null;
}

// The server words each verdict for the patient (patient_message); its own text, with its
// references, stays behind a "why" link. One paragraph per text.
function why(texts) {
  const paragraphs = [texts].flat().filter(Boolean);
  return paragraphs.length ? h("details", { class: "why" }, h("summary", { text: "Why?" }), paragraphs.map((text) => h("p", { text }))) : null;
}

// The response's "why": each guideline's reason in the patient's words, as the server sends
// them; guidelines that agree send the same sentence, shown once.
function responseReasons(response) {
  return [...new Set(((response && response.verdicts) || []).map((verdict) => verdict.patient_message))];
}

function fmt(value) {
  return value === null || value === undefined ? "–" : String(value);
}

function dateRange(window) {
  return `${formatShort(window.start)} – ${formatShort(window.end)}`;
}

function table(title, headers, rows) {
  return dataTable(title, headers, rows.map((row) => row.map(fmt)), { rowHeaders: true });
}

async function loadChartLibrary() {
  if (!document.querySelector("link[data-uplot]")) {
    document.head.append(h("link", { rel: "stylesheet", href: "/static/frontend/vendor/uplot.min.css", "data-uplot": "true" }));
  }
  return (await import("../vendor/uplot.min.js")).default;
}

// Canvas charts take colours, not CSS variables: read the theme's.
function themeColour(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

async function chart(target, { label, xLabels, series, baseline, yLabel }) {
  const uPlot = await loadChartLibrary();
  const width = Math.max(280, Math.min(target.clientWidth || 320, 720));
  const xs = xLabels.map((_, index) => index + 1);
  const data = [xs, ...series.map((item) => item.values.map((value) => (value === null ? null : Number(value))))];
  const seriesOptions = series.map((item, index) => ({
    label: item.label,
    stroke: item.colour || themeColour(CYCLE_COLOURS[index % CYCLE_COLOURS.length]),
    width: 2,
    fill: item.bars ? themeColour("--chart-fill") : undefined,
    paths: item.bars ? uPlot.paths.bars({ size: [0.6, 40] }) : undefined,
    points: { show: !item.bars, size: 7 },
  }));
  if (baseline !== null && baseline !== undefined) {
    data.push(xs.map(() => Number(baseline)));
    seriesOptions.push({ label: "Before treatment", stroke: themeColour("--chart-base"), width: 2, dash: [6, 4], points: { show: false } });
  }
  target.setAttribute("role", "img");
  target.setAttribute("aria-label", label);
  new uPlot(
    {
      width,
      height: 220,
      series: [{ label: "", value: (_, value) => (value ? xLabels[value - 1] : "") }, ...seriesOptions],
      scales: { x: { time: false, range: [0.5, xs.length + 0.5] }, y: { range: (_, min, max) => [0, Math.max(4, Math.ceil((max || 0) + 1))] } },
      axes: [
        { values: (_, ticks) => ticks.map((tick) => (Number.isInteger(tick) ? xLabels[tick - 1] || "" : "")), stroke: themeColour("--text") },
        { label: yLabel, stroke: themeColour("--text") },
      ],
      legend: { show: true, live: false },
      cursor: { show: false },
    },
    data,
    target,
  );
}

function windowsSection(trends) {
  const windows = (trends.windows || []).slice(-13);
  const baseline = trends.baseline || {};
  const baselineRate = pick(baseline, "headache_days_per_28");
  const figure = h("div", { class: "chart" });
  const section = h(
    "section",
    { class: "card", "aria-labelledby": "windows-title" },
    h("h2", { id: "windows-title", text: "Headache days per 28 days" }),
    h(
      "p",
      {},
      baselineRate !== null
        ? `Before treatment: ${baselineRate} headache days per 28 days${baseline.source === "recalled" ? " (as you remembered it)" : pick(baseline, "logged_days") !== null ? ` (${pick(baseline, "logged_days")} days logged)` : ""}.`
        : "There is nothing to compare with yet: your diary has too few days from before your first injection.",
    ),
    baselineRate === null ? why(baseline.message) : null,
    trends.response && trends.response.patient_message ? h("p", { class: "lead", text: trends.response.patient_message }) : null,
    why(responseReasons(trends.response)),
    figure,
    windows.length
      ? table(
          "Each 28-day period",
          ["Period", "Headache days", "Days logged", "Per 28 days"],
          windows.map((item) => [`${dateRange(item)}${item.complete === false ? " (so far)" : ""}`, pick(item, "headache_days"), pick(item, "logged_days"), pick(item, "headache_days_per_28") ?? "too few days logged"]),
        )
      : h("p", { text: "No 28-day periods yet: keep logging." }),
  );
  return { section, draw: () => windows.length && chart(figure, {
    label: `Bar chart of headache days per 28 days over ${windows.length} periods${baselineRate !== null ? `, with the level before treatment, ${baselineRate}, as a dashed line` : ""}. The table below gives the figures.`,
    xLabels: windows.map((item, index) => (pick(item, "start") ? formatShort(pick(item, "start")) : String(index + 1))),
    series: [{ label: "Headache days per 28", values: windows.map((item) => pick(item, "headache_days_per_28")), bars: true, colour: themeColour("--blue") }],
    baseline: baselineRate,
    yLabel: "days",
  }) };
}

function cyclesSection(trends) {
  const cycles = (trends.cycles || []).slice(-RECENT_CYCLES);
  const figure = h("div", { class: "chart" });
  const weeks = Math.max(0, ...cycles.map((cycle) => (cycle.weeks || []).length));
  const rows = [];
  for (let index = 0; index < weeks; index += 1) {
    rows.push([
      `Week ${index + 1}`,
      ...cycles.map((cycle) => {
        const week = (cycle.weeks || [])[index];
        if (!week) return "";
        return `${fmt(pick(week, "headache_days"))} of ${fmt(pick(week, "logged_days"))} logged`;
      }),
    ]);
  }
  const cycleName = (cycle, index) => `Cycle ${cycle.number ?? index + 1}${cycle.start ? ` (${formatDate(cycle.start)})` : ""}`;
  const section = h(
    "section",
    { class: "card", "aria-labelledby": "cycles-title" },
    h("h2", { id: "cycles-title", text: "Week by week in each cycle" }),
    h("p", { class: "hint", text: "Headache days in each week after an injection. Week 1 starts on the injection day." }),
    figure,
    cycles.length ? table("Headache days by cycle week", ["Week", ...cycles.map(cycleName)], rows) : h("p", { text: "No treatment cycle yet." }),
  );
  return { section, draw: () => cycles.length && chart(figure, {
    label: `Line chart of headache days in each week of your last ${cycles.length} cycle(s). The table below gives the figures.`,
    xLabels: Array.from({ length: weeks }, (_, index) => `W${index + 1}`),
    series: cycles.map((cycle, index) => ({ label: cycleName(cycle, index), values: Array.from({ length: weeks }, (_, week) => pick((cycle.weeks || [])[week], "headache_days")) })),
    yLabel: "days",
  }) };
}

function overuseSection(trends) {
  const overuse = trends.medication_overuse;
  if (!overuse || !overuse.message) return null;
  return h("section", { class: "card", "aria-labelledby": "overuse-title" }, h("h2", { id: "overuse-title", text: "Acute medicines" }), h("p", { text: overuse.patient_message || overuse.message }), why(overuse.message));
}

// "Did it help?" as the patient answered it per intake, counted by the server.
function reliefSection(trends) {
  const relief = trends.acute_medication_relief;
  if (!relief) return null;
  const rows = (relief.by_medication || []).filter((item) => item.answered);
  const columns = [["none_relief", "none"], ["some_relief", "some"], ["full_relief", "full"]];
  const words = Object.fromEntries(serverChoices("relief").map((item) => [item.value, item.label]));
  return h(
    "section",
    { class: "card", "aria-labelledby": "relief-title" },
    h("h2", { id: "relief-title", text: "Did your medicines help?" }),
    h("p", { class: "hint", text: "How often each medicine helped within 2 hours, as you said when you logged it." }),
    rows.length
      ? table("Relief within 2 hours, by medicine", ["Medicine", ...columns.map(([, key]) => words[key] || key)], rows.map((item) => [item.name, ...columns.map(([field]) => item[field])]))
      : h("p", { text: "No answers yet: when you log a medicine, say whether it helped." }),
  );
}

// Shown only to patients who tick their period days.
function menstrualSection(trends) {
  const found = trends.menstrual_migraine;
  if (!found) return null;
  return h(
    "section",
    { class: "card", "aria-labelledby": "menstrual-title" },
    h("h2", { id: "menstrual-title", text: "Migraine and your period" }),
    h("p", { text: found.patient_message || found.message }),
    h("p", { class: "hint", text: found.patient_hint }),
    why([found.message, found.criteria].filter(Boolean).join(" ")),
  );
}

async function loadTrends() {
  try {
    const result = await api.get("trends/");
    if (result.ok) {
      await store.put("meta", result.data, "trends");
      return { trends: result.data, state: "fresh" };
    }
    if (notAvailable(result)) return { trends: null, state: "unavailable" };
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
  }
  const cached = await store.get("meta", "trends");
  return { trends: cached || null, state: cached ? "cached" : "offline" };
}

export async function render(root, ctx) {
  replace(root, h("h1", { text: "Trends" }), h("p", { text: "Loading your trends…" }));
  const { trends, state } = await loadTrends();
  if (!trends) {
    replace(
      root,
      h("h1", { text: "Trends" }),
      h("p", { class: "notice", text: state === "unavailable" ? "Trends are not available on this service yet. Your diary is safe; keep logging." : "You are offline and this device has no trends saved yet." }),
    );
    return;
  }
  const windows = windowsSection(trends);
  const cycles = cyclesSection(trends);
  replace(
    root,
    h("h1", { text: "Trends" }),
    state === "cached" ? h("p", { class: "hint", text: "Offline: showing the trends this device last saw." }) : null,
    windows.section,
    cycles.section,
    overuseSection(trends),
    reliefSection(trends),
    menstrualSection(trends),
  );
  try {
    await windows.draw();
    await cycles.draw();
  } catch (error) {
    // The tables carry the same figures, so a chart that fails to draw loses nothing.
    console.error(error);
  }
}
