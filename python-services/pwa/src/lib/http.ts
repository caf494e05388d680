// The transport to the hub: one `request` for every call, one error type, the device token in
// `Authorization`, and a 401 that sends the app back to pairing.

import { currentDevice, forgetDevice } from "./auth";
import { frenchError } from "./errors";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The rest of the hub's error envelope (`state`, `reason`, `retry_after_s`, ...) and
     *  `detail`: the hub's own (English) message, where `message` is the app's French. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
  /** No answer at all (offline, hub down): worth retrying later. */
  get network(): boolean {
    return this.status === 0;
  }
  /** Worth retrying later: no answer, a timeout, too many requests or a server-side failure. */
  get transient(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export const REVOKED_MESSAGE =
  "Cet appareil n'est plus autorisé (jeton révoqué ou inconnu). Associe-le à nouveau.";

export interface Options {
  body?: unknown;
  form?: FormData;
  query?: Record<string, string | number | boolean | null | undefined>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  anonymous?: boolean;
}

export function withQuery(path: string, query?: Options["query"]): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== null && v !== undefined && v !== "" && v !== false) params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export function authHeaders(): Record<string, string> {
  const device = currentDevice();
  return device ? { Authorization: `Bearer ${device.token}` } : {};
}

/** One call to the hub; the error envelope becomes an ApiError, a 401 forgets the device. */
export async function request<T>(method: string, path: string, opts: Options = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...opts.headers };
  if (!opts.anonymous) Object.assign(headers, authHeaders());
  let body: BodyInit | undefined;
  if (opts.form) body = opts.form;
  else if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  let response: Response;
  try {
    response = await fetch(withQuery(path, opts.query), {
      method,
      headers,
      body,
      signal: opts.signal,
      cache: "no-store",
    });
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    throw new ApiError(0, "network", "Pas de connexion au hub.");
  }
  if (response.status === 401 && !opts.anonymous) {
    forgetDevice(REVOKED_MESSAGE);
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("content-type") ?? "";
  return (type.includes("json") ? await response.json() : await response.text()) as T;
}

export async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    if (body?.error?.code) {
      const { code, message, ...extra } = body.error;
      const detail = message ?? code;
      return new ApiError(response.status, code, frenchError(response.status, code, detail), { ...extra, detail });
    }
  } catch {
    /* not the envelope: fall through */
  }
  return new ApiError(response.status, "http_error", frenchError(response.status, "http_error", ""));
}
