// api: every call to the chatlings JSON API goes through here. Same-origin credentials, the
// X-CSRF-Token header on every non-GET, the error envelope turned into ApiError, and the
// service worker's "saved copy" marker turned into the offline banner state.
import { offline } from './store';

export class ApiError extends Error {
  status: number;
  code: string;
  retryAfter: number;
  constructor(status: number, code: string, message: string, retryAfter = 0) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
  /** The endpoint is not there yet (another part of the game still being built). */
  get missing() {
    return this.status === 404 && (this.code === 'not_found' || this.code === '');
  }
}

let csrf = '';
export function setCsrf(token: string | null | undefined) {
  if (token) csrf = token;
}
export function clearCsrf() {
  csrf = '';
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export async function request<T = any>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') {
    if (csrf) headers['X-CSRF-Token'] = csrf;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    offline.set({ offline: true, savedAt: offline.get().savedAt });
    throw new ApiError(0, 'offline', 'You seem to be offline. Check your connection and try again.');
  }
  const savedAt = res.headers.get('X-Chatlings-Saved-At');
  if (method === 'GET') {
    if (savedAt) offline.set({ offline: true, savedAt });
    else if (res.headers.get('X-Chatlings-Offline')) offline.set({ offline: true, savedAt: offline.get().savedAt });
    else if (offline.get().offline) offline.set({ offline: false, savedAt: null });
  }
  const text = await res.text();
  let json: any = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!res.ok) {
    const e = json?.error;
    const retry = Number(res.headers.get('Retry-After') || 0);
    const fallback =
      res.status === 429
        ? 'Whoa, slow down a little and try again in a moment.'
        : res.status >= 500
          ? 'The server is having a moment. Please try again shortly.'
          : `Request failed (${res.status}).`;
    throw new ApiError(res.status, e?.code || '', e?.message || fallback, retry);
  }
  if (json && typeof json.csrf_token === 'string') setCsrf(json.csrf_token);
  return json as T;
}

export const get = <T = any>(path: string) => request<T>('GET', path);
export const post = <T = any>(path: string, body: unknown = {}) => request<T>('POST', path, body);
export const put = <T = any>(path: string, body: unknown = {}) => request<T>('PUT', path, body);
export const patch = <T = any>(path: string, body: unknown = {}) => request<T>('PATCH', path, body);
export const del = <T = any>(path: string, body?: unknown) => request<T>('DELETE', path, body);

/** Query string from an object, skipping empty values. */
export function qs(params: Record<string, string | number | undefined | null>) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

/** The first array found under any of the given keys (API shapes differ slightly per area). */
export function listOf<T = any>(obj: any, ...keys: string[]): T[] {
  if (Array.isArray(obj)) return obj;
  for (const k of keys) if (obj && Array.isArray(obj[k])) return obj[k];
  return [];
}
