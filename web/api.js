// The gateway's API as the page uses it: the key kept in the browser's storage, JSON calls, uploads
// with progress, and errors as the API words them.

const KEY_STORAGE = "stt-api-key";

export function apiKey() {
  return localStorage.getItem(KEY_STORAGE) || "";
}

export function keepKey(key) {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

function headers(extra = {}) {
  const key = apiKey();
  return key ? { Authorization: `Bearer ${key}`, ...extra } : extra;
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function failure(response) {
  let message = `HTTP ${response.status}`;
  try {
    const body = await response.json();
    message = typeof body.error === "string" ? body.error : body.error?.message || message;
  } catch {
    // not JSON: the status says it
  }
  return new ApiError(response.status, message);
}

export async function getJson(path) {
  const response = await fetch(path, { headers: headers() });
  if (!response.ok) throw await failure(response);
  return response.json();
}

export async function postJson(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: headers({ "Content-Type": "application/json" }),
    body: JSON.stringify(body),
  });
  if (!response.ok) throw await failure(response);
  return response.json();
}

export async function getBlob(path) {
  const response = await fetch(path, { headers: headers() });
  if (!response.ok) throw await failure(response);
  return response.blob();
}

// fetch() cannot report an upload's progress; XMLHttpRequest can.
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", path);
    for (const [name, value] of Object.entries(headers())) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.upload.onload = () => onProgress(1);
    request.onload = () => {
      let body = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        // not JSON
      }
      if (request.status >= 200 && request.status < 300) resolve(body);
      else {
        const message = typeof body?.error === "string" ? body.error : `HTTP ${request.status}`;
        reject(new ApiError(request.status, message));
      }
    };
    request.onerror = () => reject(new ApiError(0, "the gateway could not be reached"));
    request.send(form);
  });
}

export function streamUrl(query) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const key = apiKey();
  const params = new URLSearchParams(query);
  if (key) params.set("token", key);
  return `${scheme}//${location.host}/v1/stream?${params}`;
}
