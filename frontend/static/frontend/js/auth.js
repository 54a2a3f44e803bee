// Sign up, log in and password reset through allauth's headless browser API.
import { auth, NetworkError } from "./api.js";
import { errorList, field, h, replace } from "./dom.js";

function pendingFlow(result) {
  const flows = (result.data && result.data.data && result.data.data.flows) || [];
  const flow = flows.find((item) => item.is_pending);
  return flow ? flow.id : null;
}

function input(type, name, autocomplete, extra = {}) {
  return h("input", { type, name, autocomplete, required: true, ...extra });
}

async function submit(messages, call) {
  replace(messages);
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    replace(messages, errorList("You are offline. Connect to the internet and try again."));
    return null;
  }
}

function page(root, title, ...content) {
  replace(root, h("div", { class: "auth" }, h("h1", { text: title }), content));
}

function codeForm(root, ctx, { title, intro, path, onDone, extra = [] }) {
  const messages = h("div", { "aria-live": "polite" });
  const code = input("text", "code", "one-time-code", { inputmode: "text", autocapitalize: "characters" });
  const form = h("form", {}, field("Code", code), messages, h("button", { type: "submit", class: "button primary", text: "Confirm" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await submit(messages, () => auth.post(path, { key: code.value.trim() }));
    if (!result) return;
    if (result.status === 200) await onDone();
    else replace(messages, errorList(result.data || "That code did not work."));
  });
  page(root, title, h("p", { text: intro }), form, extra);
}

// A code that does not come (spam, a mistyped address) must not leave the patient stuck here.
function verifyEmail(root, ctx, email) {
  const messages = h("div", { "aria-live": "polite" });
  const resend = h("button", {
    type: "button",
    class: "button",
    text: "Send me a new code",
    onclick: async () => {
      const result = await submit(messages, () => auth.post("auth/email/verify/resend"));
      if (!result) return;
      if (result.ok) replace(messages, h("p", { class: "notice success", role: "status", text: "A new code is on its way." }));
      else replace(messages, errorList(result.status === 429 ? "A code was sent a moment ago. Wait a few minutes before asking again." : result.data || "No new code could be sent."));
    },
  });
  const restart = h("button", {
    type: "button",
    class: "button",
    text: "Use a different email address",
    onclick: async () => {
      await submit(messages, () => auth.del("auth/session"));
      // Already on #/signup, no hashchange would draw the form again.
      if (location.hash === "#/signup") signup(root, ctx);
      else location.hash = "#/signup";
    },
  });
  codeForm(root, ctx, {
    title: "Confirm your email",
    intro: `We sent a code to ${email || "your email address"}. Enter it here. It can take a few minutes; look in your spam folder too.`,
    path: "auth/email/verify",
    onDone: () => ctx.signedIn(),
    extra: [h("div", { class: "actions" }, resend, restart), messages],
  });
}

async function afterAuth(root, ctx, result, messages, email) {
  if (result.status === 200) return ctx.signedIn();
  if (result.status === 401 && pendingFlow(result) === "verify_email") return verifyEmail(root, ctx, email);
  if (result.status === 409) {
    // Already signed in in this browser, e.g. from another tab.
    return ctx.signedIn();
  }
  replace(messages, errorList(result.data || "Something went wrong. Please try again."));
  return null;
}

function login(root, ctx) {
  const messages = h("div", { "aria-live": "polite" });
  const email = input("email", "email", "username");
  const password = input("password", "password", "current-password");
  const form = h("form", {}, field("Email", email), field("Password", password), messages, h("button", { type: "submit", class: "button primary", text: "Log in" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await submit(messages, () => auth.post("auth/login", { email: email.value.trim(), password: password.value }));
    if (result) await afterAuth(root, ctx, result, messages, email.value.trim());
  });
  page(
    root,
    "Log in",
    form,
    h("p", {}, h("a", { href: "#/signup", text: "New here? Create an account" })),
    h("p", {}, h("a", { href: "#/reset", text: "Forgot your password?" })),
  );
}

function signup(root, ctx) {
  const messages = h("div", { "aria-live": "polite" });
  const email = input("email", "email", "email");
  const password = input("password", "password", "new-password", { minlength: "10" });
  const form = h("form", {}, field("Email", email), field("Password", password, "At least 10 characters."), messages, h("button", { type: "submit", class: "button primary", text: "Create my account" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    // The account starts in this device's zone, so "today" is the patient's own today.
    const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const result = await submit(messages, () => auth.post("auth/signup", { email: email.value.trim(), password: password.value, timezone }));
    if (result) await afterAuth(root, ctx, result, messages, email.value.trim());
  });
  page(
    root,
    "Create your headache diary",
    h("p", { text: "Log each day in a tap and see how your treatment is working." }),
    form,
    h("p", {}, h("a", { href: "#/login", text: "Already have an account? Log in" })),
  );
}

function newPasswordForm(root, ctx, key, intro) {
  const messages = h("div", { "aria-live": "polite" });
  const code = input("text", "code", "one-time-code");
  const password = input("password", "password", "new-password", { minlength: "10" });
  const form = h(
    "form",
    {},
    key ? null : field("Code from the email", code),
    field("New password", password, "At least 10 characters."),
    messages,
    h("button", { type: "submit", class: "button primary", text: "Set new password" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await submit(messages, () => auth.post("auth/password/reset", { key: key || code.value.trim(), password: password.value }));
    if (!result) return;
    if (result.status === 200) return ctx.signedIn();
    if (result.status === 401) {
      page(root, "Password changed", h("p", { text: "Your new password is set." }), h("a", { class: "button primary", href: "#/login", text: "Log in" }));
      return;
    }
    if (result.status === 409) {
      replace(messages, errorList("This reset has expired. Ask for a new code."));
      return;
    }
    replace(messages, errorList(result.data || "That did not work."));
  });
  page(root, "Choose a new password", intro ? h("p", { text: intro }) : null, form);
}

function reset(root, ctx) {
  const messages = h("div", { "aria-live": "polite" });
  const email = input("email", "email", "email");
  const form = h("form", {}, field("Email", email), messages, h("button", { type: "submit", class: "button primary", text: "Send me a code" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await submit(messages, () => auth.post("auth/password/request", { email: email.value.trim() }));
    if (!result) return;
    if (result.status === 200 || result.status === 401) {
      newPasswordForm(root, ctx, null, "If an account uses that address, we sent it a code. Enter it with your new password.");
    } else {
      replace(messages, errorList(result.data || "That did not work."));
    }
  });
  page(root, "Reset your password", form, h("p", {}, h("a", { href: "#/login", text: "Back to log in" })));
}

export async function render(root, ctx) {
  const key = ctx.params.join("/");
  if (ctx.screen === "signup") signup(root, ctx);
  else if (ctx.screen === "reset") reset(root, ctx);
  else if (ctx.screen === "reset-password") newPasswordForm(root, ctx, decodeURIComponent(key));
  else if (ctx.screen === "verify-email") {
    const messages = h("div", { "aria-live": "polite" });
    page(root, "Confirming your email…", messages);
    const result = await submit(messages, () => auth.post("auth/email/verify", { key: decodeURIComponent(key) }));
    if (result && result.status === 200) await ctx.signedIn();
    else if (result) {
      page(root, "Confirm your email", errorList(result.data || "This link did not work."), h("a", { class: "button", href: "#/login", text: "Log in" }));
    }
  } else login(root, ctx);
}
