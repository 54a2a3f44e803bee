// Passkeys and security keys: runs the WebAuthn ceremony for a form[data-webauthn] and posts the
// browser's answer. The server made the options (allauth's JSON, base64url for bytes) and checks
// the answer; nothing here decides whether a key is accepted.
const form = document.querySelector("form[data-webauthn]");

const toBytes = (text) => {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "===".slice((base64.length + 3) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
};

const toText = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

// Browsers before parseCreationOptionsFromJSON and toJSON (Chrome 129, Firefox 119, Safari 18.4)
// need the byte fields converted by hand.
const withIds = (descriptors) =>
  (descriptors || []).map((descriptor) => ({ ...descriptor, id: toBytes(descriptor.id) }));

const creationOptions = (json) =>
  PublicKeyCredential.parseCreationOptionsFromJSON
    ? PublicKeyCredential.parseCreationOptionsFromJSON(json)
    : {
        ...json,
        challenge: toBytes(json.challenge),
        user: { ...json.user, id: toBytes(json.user.id) },
        excludeCredentials: withIds(json.excludeCredentials),
      };

const requestOptions = (json) =>
  PublicKeyCredential.parseRequestOptionsFromJSON
    ? PublicKeyCredential.parseRequestOptionsFromJSON(json)
    : {
        ...json,
        challenge: toBytes(json.challenge),
        allowCredentials: withIds(json.allowCredentials),
      };

const credentialJSON = (credential) => {
  if (typeof credential.toJSON === "function") return credential.toJSON();
  const { response } = credential;
  const json = {
    id: credential.id,
    rawId: toText(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment,
    clientExtensionResults: credential.getClientExtensionResults(),
    response: { clientDataJSON: toText(response.clientDataJSON) },
  };
  if (response.attestationObject) {
    json.response.attestationObject = toText(response.attestationObject);
    json.response.transports = response.getTransports ? response.getTransports() : [];
  } else {
    json.response.authenticatorData = toText(response.authenticatorData);
    json.response.signature = toText(response.signature);
    if (response.userHandle) json.response.userHandle = toText(response.userHandle);
  }
  return json;
};

const problems = {
  NotAllowedError: "The request was cancelled or timed out. Try again when you are ready.",
  InvalidStateError: "This key is already registered to your account.",
  SecurityError: "This address cannot use passkeys. Use a code instead.",
  AbortError: "The request was cancelled. Try again when you are ready.",
};

if (form) {
  const mode = form.dataset.webauthn;
  const ready = form.querySelector("[data-webauthn-ready]");
  const start = form.querySelector("[data-webauthn-start]");
  const status = form.querySelector("[data-webauthn-status]");
  const answer = form.elements.namedItem("credential");
  const say = (text, isProblem = false) => {
    status.textContent = text;
    status.classList.toggle("error", isProblem);
  };

  if (!window.PublicKeyCredential || !navigator.credentials) {
    say("This browser cannot use passkeys or security keys here.", true);
  } else {
    ready.hidden = false;
    start.addEventListener("click", async () => {
      // The password (when adding a key while signed in) is asked before the ceremony, not after.
      if (!form.reportValidity()) return;
      const options = JSON.parse(document.getElementById(form.dataset.options).textContent);
      start.disabled = true;
      say("Follow your browser’s prompt to use your passkey or security key.");
      try {
        const credential =
          mode === "create"
            ? await navigator.credentials.create({
                publicKey: creationOptions(options.publicKey),
              })
            : await navigator.credentials.get({ publicKey: requestOptions(options.publicKey) });
        answer.value = JSON.stringify(credentialJSON(credential));
        say("Checking your key…");
        form.submit();
      } catch (error) {
        say(problems[error.name] || "Your key could not be used. Try again or use a code.", true);
        start.disabled = false;
      }
    });
  }
}
