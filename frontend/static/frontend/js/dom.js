// Builds elements without innerHTML, so text from the server or the patient is never parsed
// as markup and the strict Content-Security-Policy (no inline styles or scripts) holds.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let uid = 0;
export function nextId(prefix = "f") {
  uid += 1;
  return `${prefix}-${uid}`;
}

// A table that scrolls sideways on a small phone under a title that does not: a <caption> is as
// wide as its table, so at 320 px it ran off the screen with it.
export function dataTable(title, headers, rows, { rowHeaders = false } = {}) {
  const titleId = nextId("table");
  const cell = (value, index) => (rowHeaders && index === 0 ? h("th", { scope: "row", text: value }) : h("td", { text: value }));
  return h(
    "div",
    { class: "data-table" },
    h("p", { class: "table-title", id: titleId, text: title }),
    h(
      "div",
      { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": titleId },
      h(
        "table",
        { "aria-labelledby": titleId },
        h("thead", {}, h("tr", {}, headers.map((text) => h("th", { scope: "col", text })))),
        h("tbody", {}, rows.map((row) => h("tr", {}, row.map((value, index) => cell(String(value), index))))),
      ),
    ),
  );
}

// A labelled input; every control in the app gets a visible <label>.
export function field(labelText, input, hint) {
  input.id = input.id || nextId();
  const parts = [h("label", { for: input.id, text: labelText })];
  if (hint) {
    const hintId = nextId("hint");
    input.setAttribute("aria-describedby", hintId);
    parts.push(h("p", { class: "hint", id: hintId, text: hint }));
  }
  parts.push(input);
  return h("div", { class: "field" }, parts);
}

// A fieldset of radio buttons or checkboxes drawn as large tappable chips.
export function choices(legend, name, options, { type = "radio", value, hint } = {}) {
  const selected = Array.isArray(value) ? value : [value];
  const fieldset = h("fieldset", { class: "choices" }, h("legend", { text: legend }));
  if (hint) fieldset.append(h("p", { class: "hint", text: hint }));
  const row = h("div", { class: "choice-row" });
  for (const option of options) {
    const id = nextId(name);
    const input = h("input", {
      type,
      name,
      id,
      value: String(option.value),
      checked: selected.some((item) => String(item) === String(option.value)),
    });
    row.append(h("label", { class: "chip", for: id }, input, h("span", { text: option.label })));
  }
  fieldset.append(row);
  return fieldset;
}

export function formValue(form, name) {
  const checked = form.querySelector(`input[name="${name}"]:checked`);
  return checked ? checked.value : null;
}

export function formValues(form, name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);
}

export function errorList(errors) {
  const messages = flattenErrors(errors);
  if (!messages.length) return null;
  return h(
    "div",
    { class: "notice error", role: "alert" },
    messages.length === 1
      ? h("p", { text: messages[0] })
      : h("ul", {}, messages.map((message) => h("li", { text: message }))),
  );
}

// DRF answers {"field": ["message"]}, allauth {"errors": [{"message", "param"}]}.
export function flattenErrors(errors, prefix = "") {
  if (!errors) return [];
  if (typeof errors === "string") return [prefix ? `${prefix}: ${errors}` : errors];
  if (Array.isArray(errors)) {
    return errors.flatMap((item) =>
      item && typeof item === "object" && "message" in item
        ? [item.message]
        : flattenErrors(item, prefix),
    );
  }
  if (typeof errors === "object") {
    if (Array.isArray(errors.errors)) return flattenErrors(errors.errors, prefix);
    return Object.entries(errors).flatMap(([key, value]) =>
      flattenErrors(value, key === "detail" || key === "non_field_errors" ? prefix : humanise(key)),
    );
  }
  return [];
}

function humanise(key) {
  const text = key.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function focusHeading(root) {
  const heading = root.querySelector("h1");
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: false });
  }
}

let config = null;
// What the server sent with the shell (frontend/views.py app_config): its choices and constants.
export function appConfig() {
  if (!config) {
    const element = document.getElementById("app-config");
    config = element ? JSON.parse(element.textContent) : {};
  }
  return config;
}
