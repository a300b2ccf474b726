// api: every call to the admin API goes through here: same-origin credentials, X-CSRF-Token on
// every state change (the browser adds the Origin header itself), the error envelope turned
// into ApiError. Nothing here ever builds HTML from a response.

export class ApiError extends Error {
  status: number;
  code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let csrf = '';
export function setCsrf(token: string | null | undefined) {
  csrf = token || '';
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

async function send<T>(method: Method, path: string, body?: BodyInit, contentType?: string): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  if (contentType) headers['Content-Type'] = contentType;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'offline', 'The server cannot be reached. Check your connection and try again.');
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
    const fallback = res.status >= 500 ? 'The server had a problem. Try again shortly.' : `Request failed (${res.status}).`;
    throw new ApiError(res.status, e?.code || '', e?.message || fallback);
  }
  if (json && typeof json.csrf_token === 'string') setCsrf(json.csrf_token);
  return json as T;
}

export const get = <T = any>(path: string) => send<T>('GET', path);
export const post = <T = any>(path: string, body?: unknown) =>
  send<T>('POST', path, body === undefined ? undefined : JSON.stringify(body), body === undefined ? undefined : 'application/json');
export const put = <T = any>(path: string, body: unknown) => send<T>('PUT', path, JSON.stringify(body), 'application/json');
export const patch = <T = any>(path: string, body: unknown) => send<T>('PATCH', path, JSON.stringify(body), 'application/json');
export const del = <T = any>(path: string) => send<T>('DELETE', path);
/** Sends a file as the request body (artwork upload). */
export const upload = <T = any>(path: string, file: File) => send<T>('POST', path, file, file.type || 'application/octet-stream');

/** Builds a query string from the non-empty values. */
export function qs(params: Record<string, string | number | null | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

export const enc = encodeURIComponent;
