// Same-origin requests with the session cookie and Django's CSRF header.
export class NetworkError extends Error {}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export async function request(method, url, { body, headers = {} } = {}) {
  const init = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", ...headers },
  };
  if (method !== "GET" && method !== "HEAD") init.headers["X-CSRFToken"] = csrfToken();
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new NetworkError(error.message);
  }
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  return { status: response.status, ok: response.ok, data, headers: response.headers, response };
}

export const api = {
  get: (path) => request("GET", `/api/v1/${path}`),
  post: (path, body) => request("POST", `/api/v1/${path}`, { body }),
  patch: (path, body) => request("PATCH", `/api/v1/${path}`, { body }),
  put: (path, body, headers) => request("PUT", `/api/v1/${path}`, { body, headers }),
  del: (path, body) => request("DELETE", `/api/v1/${path}`, { body }),
};

export const auth = {
  get: (path) => request("GET", `/_allauth/browser/v1/${path}`),
  post: (path, body) => request("POST", `/_allauth/browser/v1/${path}`, { body }),
  del: (path) => request("DELETE", `/_allauth/browser/v1/${path}`),
};

// An endpoint another part of the service has not shipped yet answers 404 or 405.
export function notAvailable(result) {
  return result.status === 404 || result.status === 405 || result.status === 501;
}
