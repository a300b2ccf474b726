// players.mjs: signed-in players for black-box tests. A player keeps its cookie and sends the
// Origin and X-CSRF-Token a browser on our own page would send.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, client, freePort } from './harness.mjs';

// The limits only set a server's thresholds; the counters are per IP and shared through Redis
// with every other server of the run, so tests use high ones except where limits are the subject.
export const HIGH_LIMITS = 'signin=100000/60,write=100000/60,read=100000/60,chat=100000/60';

/** Starts a server whose public URL is its own address (so dispatch accepts it as same-origin). */
export async function startOwnServer(env = {}, opts = {}) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const s = await startServer({
    ...opts,
    listen: `127.0.0.1:${port}`,
    // No daily visitor unless a test asks for one: a 1-in-7 extra creature on a player's first
    // request would make counts of collections, notifications and motes flaky.
    env: { CHATLINGS_PUBLIC_URL: origin, CHATLINGS_RATE_LIMITS: HIGH_LIMITS, CHATLINGS_VISITOR_ONE_IN: '0', ...env },
  });
  return Object.assign(s, { origin });
}

export const uname = (prefix = 'p') => `${prefix}_${randomBytes(5).toString('hex')}`;

/** A browser-like player on server srv ({url, origin}). */
export function player(srv, origin = srv.origin) {
  const c = client(srv.url);
  let csrf = null;
  const headers = (extra = {}) => ({ origin, ...(csrf ? { 'x-csrf-token': csrf } : {}), ...extra });
  const remember = (r) => { if (r.json?.csrf_token) csrf = r.json.csrf_token; return r; };
  return {
    c,
    get csrf() { return csrf; },
    set csrf(v) { csrf = v; },
    token: () => c.jar.get('__Host-chatlings'),
    login: async (username, extra) => remember(await c.post('/api/dev/login', { username }, { headers: headers(extra) })),
    get: (p) => c.get(p),
    post: (p, body = {}, extra) => c.post(p, body, { headers: headers(extra) }),
    put: (p, body = {}, extra) => c.put(p, body, { headers: headers(extra) }),
    patch: (p, body = {}, extra) => c.patch(p, body, { headers: headers(extra) }),
    del: (p, extra) => c.del(p, { headers: headers(extra) }),
  };
}

/** Signs a new player in through dev login: { p, user, name }. */
export async function signedIn(srv, name = uname()) {
  const p = player(srv);
  const r = await p.login(name);
  assert.equal(r.status, 200, r.text);
  return { p, user: r.json.user, name };
}

/** Asserts the JSON error envelope. */
export function assertError(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json?.error?.code, code, r.text);
  assert.equal(typeof r.json.error.message, 'string');
}
