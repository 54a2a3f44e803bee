// Calendar arithmetic on ISO dates (YYYY-MM-DD) in the patient's zone; nothing clinical.
export function todayIn(timeZone) {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
  } catch {
    return new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
  }
}

function toUtc(iso) {
  const [year, month, day] = iso.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, day));
}

function fromUtc(date) {
  return date.toISOString().slice(0, 10);
}

export function addDays(iso, days) {
  const date = toUtc(iso);
  date.setUTCDate(date.getUTCDate() + days);
  return fromUtc(date);
}

export function daysBetween(fromIso, toIso) {
  return Math.round((toUtc(toIso) - toUtc(fromIso)) / 86400000);
}

export function isValidIso(iso) {
  return /^\d{4}-\d{2}-\d{2}$/.test(iso) && fromUtc(toUtc(iso)) === iso;
}

export function formatLong(iso) {
  return toUtc(iso).toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" });
}

export function formatDate(iso) {
  return toUtc(iso).toLocaleDateString(undefined, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

export function formatMonth(month) {
  return toUtc(`${month}-01`).toLocaleDateString(undefined, { month: "long", year: "numeric", timeZone: "UTC" });
}

export function monthOf(iso) {
  return iso.slice(0, 7);
}

export function addMonths(month, count) {
  const date = toUtc(`${month}-01`);
  date.setUTCMonth(date.getUTCMonth() + count);
  return fromUtc(date).slice(0, 7);
}

export function lastDayOf(month) {
  return addDays(`${addMonths(month, 1)}-01`, -1);
}

// Monday is 0: the grid starts weeks on Monday, as ISO 8601 does.
export function weekdayIndex(iso) {
  return (toUtc(iso).getUTCDay() + 6) % 7;
}

export function weekdayNames() {
  const monday = toUtc("2024-01-01");
  return Array.from({ length: 7 }, (_, index) => {
    const date = new Date(monday.getTime() + index * 86400000);
    return {
      short: date.toLocaleDateString(undefined, { weekday: "narrow", timeZone: "UTC" }),
      long: date.toLocaleDateString(undefined, { weekday: "long", timeZone: "UTC" }),
    };
  });
}

export function formatShort(iso) {
  return toUtc(iso).toLocaleDateString(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
}
