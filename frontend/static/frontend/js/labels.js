// Words and symbols for the diary's values; shapes and text carry meaning, colour only adds.
import { appConfig, h } from "./dom.js";

// The API's choices with the server's words: [{value, label}] for duration_band, relief,
// medication_class and side_effect.
export function serverChoices(name) {
  return ((appConfig().choices || {})[name] || []).map(([value, label]) => ({ value, label }));
}

export function choiceLabel(name, value) {
  const found = serverChoices(name).find((item) => item.value === value);
  return found ? found.label : value;
}

export const SEVERITY = [
  { value: 1, label: "Mild", symbol: "1" },
  { value: 2, label: "Moderate", symbol: "2" },
  { value: 3, label: "Severe", symbol: "3" },
];
export const DISABILITY = [
  { value: 0, label: "None" },
  { value: 1, label: "A little" },
  { value: 2, label: "A lot" },
  { value: 3, label: "Could not do usual activities" },
];
export const FEATURES = [
  { value: "unilateral", label: "One side of the head" },
  { value: "pulsating", label: "Throbbing or pulsating" },
  { value: "aggravated_by_activity", label: "Worse with activity" },
  { value: "nausea", label: "Nausea" },
  { value: "vomiting", label: "Vomiting" },
  { value: "photophobia", label: "Bothered by light" },
  { value: "phonophobia", label: "Bothered by noise" },
  { value: "aura", label: "Aura" },
];

const STATUS = {
  saved: { text: "Saved on the server", symbol: "✓", class: "saved" },
  waiting: { text: "Waiting on this device", symbol: "…", class: "waiting" },
  conflict: { text: "Changed elsewhere: choose a version", symbol: "!", class: "conflict" },
  rejected: { text: "Not accepted: please correct", symbol: "!", class: "conflict" },
  missing: { text: "Not logged yet", symbol: "?", class: "missing" },
};

export function statusText(status) {
  return (STATUS[status] || STATUS.missing).text;
}

export function statusBadge(status) {
  const info = STATUS[status] || STATUS.missing;
  return h(
    "span",
    { class: `badge badge-${info.class}` },
    h("span", { "aria-hidden": "true", text: `${info.symbol} ` }),
    info.text,
  );
}

export function severityLabel(value) {
  const found = SEVERITY.find((item) => item.value === Number(value));
  return found ? found.label : "No";
}

export function daySummary(body) {
  if (!body) return "Not logged";
  if (!body.headache) return "No headache";
  const parts = [`${severityLabel(body.peak_severity)} headache`];
  if (body.duration_hours !== null && body.duration_hours !== undefined && body.duration_hours !== "") {
    parts.push(`${Number(body.duration_hours)} h`);
  } else if (body.duration_band) {
    parts.push(choiceLabel("duration_band", body.duration_band).toLowerCase());
  }
  const medicines = (body.medications || []).length;
  if (medicines) parts.push(medicines === 1 ? "1 medicine" : `${medicines} medicines`);
  return parts.join(", ");
}
