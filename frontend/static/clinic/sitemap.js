// The injection site map: clicks add follow-the-pain sites, and the totals update as you type.
// Display only: the server checks the pattern (diary.paradigms) when the form is sent.
const form = document.getElementById("injection-form");

if (form) {
  const step = Number(form.dataset.siteUnits || 5);
  const total = form.elements.namedItem("total_units");
  const paradigm = form.elements.namedItem("paradigm");
  const summary = document.getElementById("site-totals");
  const groups = [...form.querySelectorAll("tr[data-group]")].map((row) => row.dataset.group);
  const units = (group) => form.elements.namedItem(`units_${group}`);
  const points = (group) => form.elements.namedItem(`points_${group}`);
  const value = (input) => Number(input.value || 0);
  const round = (n) => Math.round(n * 10) / 10;

  const sums = () =>
    groups.reduce(
      (acc, group) => ({
        units: round(acc.units + value(units(group))),
        points: acc.points + value(points(group)),
      }),
      { units: 0, points: 0 },
    );

  // The total follows the sites until the clinician types a total of their own.
  let totalFollowsSites = value(total) === sums().units;

  const render = () => {
    for (const group of groups) {
      const shown = value(points(group));
      for (const dot of form.querySelectorAll(`g[data-group="${group}"] .dot`)) {
        dot.classList.toggle("off", Number(dot.dataset.index) >= shown);
      }
    }
    const { units: siteUnits, points: sitePoints } = sums();
    if (totalFollowsSites) total.value = String(siteUnits);
    const differs = value(total) !== siteUnits;
    summary.textContent =
      `Sites: ${sitePoints} points, ${siteUnits} U. Total entered: ${total.value || 0} U.` +
      (differs ? " The site units and the total differ." : "");
    summary.classList.toggle("warn", differs);
  };

  const addSite = (group) => {
    points(group).value = String(value(points(group)) + 1);
    units(group).value = String(round(value(units(group)) + step));
    if (paradigm.value === "preempt") paradigm.value = "preempt_follow_the_pain";
    render();
  };

  for (const area of form.querySelectorAll("[data-add]")) {
    area.addEventListener("click", () => addSite(area.dataset.add));
    area.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        addSite(area.dataset.add);
      }
    });
  }
  for (const group of groups) {
    units(group).addEventListener("input", render);
    points(group).addEventListener("input", render);
  }
  total.addEventListener("input", () => {
    totalFollowsSites = false;
    render();
  });
  render();
}
