// The one HTTP client of the UI: bearer token from the session, JSON in and out, the API's error
// body {Code, Message, Fields?} turned into ApiError, and a 401 sends the person back to login.

import type { Session } from "./types";

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string>;

  constructor(status: number, code: string, message: string, fields?: Record<string, string> | null) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields ?? {};
  }
}

// The token lives in sessionStorage (per tab, gone when the tab closes), never in localStorage.
const SESSION_KEY = "clientele.session";

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    if (!session.token || Date.parse(session.expires_at) <= Date.now()) {
      sessionStorage.removeItem(SESSION_KEY);
      return null;
    }
    return session;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

let unauthorizedHandler: () => void = () => undefined;

export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler;
}

export type QueryValue = string | number | boolean | null | undefined;

export function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === "") continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  const session = loadSession();
  if (session) headers.Authorization = `Bearer ${session.token}`;
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(path + queryString(options.query), {
      method,
      headers,
      body,
      signal: options.signal,
      credentials: "omit",
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, "NetworkError", "The server could not be reached.");
  }
  if (response.ok) return response;
  let code = "HttpError";
  let message = `HTTP ${response.status}`;
  let fields: Record<string, string> | undefined;
  try {
    const document = (await response.json()) as { Code?: string; Message?: string; Fields?: Record<string, string> };
    code = document.Code ?? code;
    message = document.Message ?? message;
    fields = document.Fields;
  } catch {
    // not JSON: keep the status line
  }
  if (response.status === 401 && session && !path.endsWith("/admin/login")) {
    saveSession(null);
    unauthorizedHandler();
  }
  throw new ApiError(response.status, code, message, fields);
}

export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(method, path, options);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A non-JSON answer (the CSV export) as a Blob. */
export async function apiBlob(path: string, options: RequestOptions = {}): Promise<Blob> {
  const response = await send("GET", path, { ...options, headers: { Accept: "text/csv", ...options.headers } });
  return response.blob();
}

export const get = <T>(path: string, query?: Record<string, QueryValue>, signal?: AbortSignal) =>
  api<T>("GET", path, { query, signal });
export const post = <T>(path: string, body?: unknown) => api<T>("POST", path, { body });
export const patch = <T>(path: string, body: unknown) => api<T>("PATCH", path, { body });
export const put = <T>(path: string, body?: unknown) => api<T>("PUT", path, { body });
export const del = (path: string, query?: Record<string, QueryValue>) => api<void>("DELETE", path, { query });

/** PUT a file to a presigned URL with upload progress (fetch has no upload progress). */
export function uploadWithProgress(url: string, file: Blob, onProgress: (fraction: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", url);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(1);
        resolve();
      } else reject(new ApiError(request.status, "UploadFailed", `The upload failed (HTTP ${request.status}).`));
    };
    request.onerror = () => reject(new ApiError(0, "UploadFailed", "The upload failed (network error)."));
    request.send(file);
  });
}

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
