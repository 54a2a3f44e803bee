// The screen's theme: the patient's choice on this device, else the system's light or dark.
import { appConfig } from "./dom.js";

const KEY = "diary-theme";
export const THEMES = [
  { value: "system", label: "Same as this device" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
  { value: "lowlight", label: "Low light (for an attack): dim, large buttons, nothing moves" },
];
const dark = window.matchMedia("(prefers-color-scheme: dark)");

export function chosen() {
  try {
    const value = localStorage.getItem(KEY);
    return THEMES.some((theme) => theme.value === value) ? value : "system";
  } catch {
    return "system";
  }
}

function resolved(choice) {
  if (choice !== "system") return choice;
  return dark.matches ? "dark" : "light";
}

export function apply(choice = chosen()) {
  const theme = resolved(choice);
  document.documentElement.dataset.theme = theme;
  const colour = (appConfig().theme_colours || {})[theme];
  const metas = document.querySelectorAll('meta[name="theme-color"]');
  // One tag without a media query, so the browser bar follows a manual choice too.
  metas.forEach((meta, index) => {
    if (index === 0) {
      meta.removeAttribute("media");
      if (colour) meta.setAttribute("content", colour);
    } else meta.remove();
  });
  return theme;
}

export function choose(choice) {
  try {
    localStorage.setItem(KEY, choice);
  } catch {
    // Private mode without storage: the choice lasts until the page is closed.
  }
  // The server draws the next page in it from the start (frontend/views.py THEME_COOKIE).
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `diary_theme=${choice}; path=/; max-age=31536000; SameSite=Lax${secure}`;
  return apply(choice);
}

dark.addEventListener("change", () => apply());
apply();
