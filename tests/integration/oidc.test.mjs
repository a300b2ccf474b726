// oidc.test.mjs: OpenID Connect sign-in end to end against a real provider (npm oidc-provider,
// started in this process): /auth/login -> provider login + consent -> /auth/callback -> session.
// Also every way the callback must refuse: replayed, missing or foreign state, a provider error,
// a forged code, and id_tokens altered after the provider issued them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { api, freePort, psql, startServer } from './harness.mjs';
import {
  authorizeAtProvider, beginLogin, cookieJar, finishLogin, loginThroughProvider, startProvider,
} from './oidc-provider.mjs';

const SESSION = '__Host-chatlings';
const BINDING = '__Host-chatlings-oidc';
const run = crypto.randomBytes(4).toString('hex');
let provider;
let srv;

before(async () => {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  provider = await startProvider({ redirectUris: [`${publicUrl}/auth/callback`] });
  srv = await startServer({
    listen: `127.0.0.1:${port}`,
    env: {
      CHATLINGS_OIDC_ISSUER: provider.issuer,
      CHATLINGS_OIDC_CLIENT_ID: provider.clientId,
      CHATLINGS_OIDC_CLIENT_SECRET: provider.clientSecret,
      CHATLINGS_PUBLIC_URL: publicUrl,
      CHATLINGS_RATE_LIMITS: 'signin=100000/60,write=100000/60,read=100000/60,chat=100000/60',
    },
  });
});

after(async () => {
  await srv?.stop();
  await provider?.stop();
});

/** Set-Cookie line for name among lines, parsed into { value, attrs: {lower-case name: value|true} }. */
function parseSetCookie(lines, name) {
  const line = lines.find((l) => l.startsWith(`${name}=`));
  if (!line) return null;
  const [pair, ...rest] = line.split(';');
  const attrs = {};
  for (const a of rest) {
    const [k, v] = a.trim().split('=');
    attrs[k.toLowerCase()] = v ?? true;
  }
  return { value: pair.slice(name.length + 1), attrs };
}

/** A flow up to the provider's redirect back: { browser, callback, state }. */
async function throughProvider(login) {
  const { browser, authUrl, state } = await beginLogin(srv.url);
  const callback = await authorizeAtProvider(authUrl, login);
  return { browser, callback, state };
}

/** The callback refused with 400 and the JSON error envelope, and started no session. */
function assertRefused(res, what) {
  assert.equal(res.status, 400, `${what}: expected 400, got ${res.status} ${JSON.stringify(res.json)}`);
  assert.equal(res.json?.error?.code, 'bad_request', what);
  assert.equal(parseSetCookie(res.setCookies, SESSION), null, `${what}: no session cookie`);
  assert.equal(res.location, null, `${what}: no redirect`);
}

test('/auth/login redirects to the provider with code flow, PKCE S256, state and nonce', async () => {
  const { authUrl, setCookies } = await beginLogin(srv.url);
  const u = new URL(authUrl);
  assert.equal(u.origin + u.pathname, `${provider.issuer}/auth`);
  const q = u.searchParams;
  assert.equal(q.get('response_type'), 'code');
  assert.equal(q.get('client_id'), provider.clientId);
  assert.equal(q.get('redirect_uri'), `${srv.url}/auth/callback`);
  assert.equal(q.get('scope'), 'openid email profile');
  assert.equal(q.get('code_challenge_method'), 'S256');
  for (const k of ['state', 'nonce', 'code_challenge']) assert.match(q.get(k), /^[A-Za-z0-9_-]{43}$/, k);
  assert.notEqual(q.get('state'), q.get('nonce'));
  // properly encoded: no raw ':' '/' or ' ' in the query
  assert.doesNotMatch(u.search, /redirect_uri=http:/);
  assert.match(u.search, /scope=openid%20email%20profile/);

  const c = parseSetCookie(setCookies, BINDING);
  assert.ok(c, 'binding cookie set');
  assert.match(c.value, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(c.attrs.path, '/');
  assert.equal(c.attrs.httponly, true);
  assert.equal(c.attrs.samesite, 'Lax');
  assert.equal(c.attrs['max-age'], '600');
  assert.equal(c.attrs.domain, undefined);

  // every attempt gets its own secrets
  const again = new URL((await beginLogin(srv.url)).authUrl).searchParams;
  assert.notEqual(again.get('state'), q.get('state'));
  assert.notEqual(again.get('code_challenge'), q.get('code_challenge'));
});

test('a new identity gets a pending session and goes to /signup', async () => {
  const login = `newbie-${run}`;
  const { browser, callback } = await throughProvider(login);
  const res = await finishLogin(callback, browser);
  assert.equal(res.status, 302, JSON.stringify(res.json));
  assert.equal(res.location, '/signup');

  const s = parseSetCookie(res.setCookies, SESSION);
  assert.ok(s, 'session cookie set');
  assert.match(s.value, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(s.attrs.path, '/');
  assert.equal(s.attrs.httponly, true);
  assert.equal(s.attrs.samesite, 'Lax');
  assert.equal(s.attrs['max-age'], '604800');
  assert.equal(s.attrs.domain, undefined, '__Host- cookies carry no Domain');
  const b = parseSetCookie(res.setCookies, BINDING);
  assert.equal(b?.attrs['max-age'], '0', 'binding cookie cleared');

  const st = await api(srv.url, '/api/auth/status', { cookie: `${SESSION}=${s.value}` });
  assert.equal(st.status, 200);
  assert.equal(st.json.pending, true);
  assert.equal(st.json.signed_in, false);
});

test('a known identity gets a player session and goes to /', async () => {
  const login = `known-${run}`;
  const [[userId]] = await psql(
    `INSERT INTO users (username, google_id, email) VALUES ('oidc_${run}', '${login}', '${login}@example.test') RETURNING id`);
  const cookie = await loginThroughProvider(srv.url, login);
  assert.match(cookie, /^__Host-chatlings=[A-Za-z0-9_-]{43}$/);
  const st = await api(srv.url, '/api/auth/status', { cookie });
  assert.equal(st.json.signed_in, true);
  assert.equal(st.json.username, `oidc_${run}`);
  const me = await api(srv.url, '/api/user/me', { cookie });
  assert.equal(me.status, 200);
  assert.equal(JSON.stringify(me.json).includes(userId), true, 'the session belongs to that user');

  // the redirect target is fixed
  const { browser, callback } = await throughProvider(login);
  const res = await finishLogin(callback, browser);
  assert.equal(res.status, 302);
  assert.equal(res.location, '/');
  // a deleted account no longer signs in as itself
  await psql(`UPDATE users SET deleted_at = now() WHERE id = '${userId}'`);
  const again = await throughProvider(login);
  assert.equal((await finishLogin(again.callback, again.browser)).location, '/signup');
});

test('a replayed state is refused', async () => {
  const { browser, callback } = await throughProvider(`replay-${run}`);
  const binding = browser.jar.get(BINDING);
  const first = await finishLogin(callback, browser);
  assert.equal(first.status, 302);
  // the same callback again, even with the original binding cookie restored
  const replay = cookieJar();
  replay.jar.set(BINDING, binding);
  assertRefused(await finishLogin(callback, replay), 'replayed state');
  assertRefused(await finishLogin(callback, browser), 'replayed state, same browser');
});

test('a missing, malformed or unknown state is refused', async () => {
  const { browser, callback } = await throughProvider(`nostate-${run}`);
  const u = new URL(callback);
  const code = u.searchParams.get('code');
  assertRefused(await finishLogin(`${srv.url}/auth/callback?code=${code}`, browser), 'missing state');
  assertRefused(await finishLogin(`${srv.url}/auth/callback?code=${code}&state=`, browser), 'empty state');
  assertRefused(await finishLogin(`${srv.url}/auth/callback?code=${code}&state=abc`, browser), 'short state');
  const unknown = crypto.randomBytes(32).toString('base64url');
  assertRefused(await finishLogin(`${srv.url}/auth/callback?code=${code}&state=${unknown}`, browser), 'unknown state');
  assertRefused(await finishLogin(`${srv.url}/auth/callback`, cookieJar()), 'nothing at all');
});

test('a state completed in another browser is refused', async () => {
  // the victim's flow, finished by an attacker's browser that has its own (different) binding
  const { callback } = await throughProvider(`victim-${run}`);
  const attacker = (await beginLogin(srv.url)).browser;
  assertRefused(await finishLogin(callback, attacker), 'foreign binding cookie');
  // and with no binding cookie at all
  const other = await throughProvider(`victim2-${run}`);
  assertRefused(await finishLogin(other.callback, cookieJar()), 'no binding cookie');
  // the flow was consumed by the failed attempt: not even the right browser can use it now
  assertRefused(await finishLogin(other.callback, other.browser), 'consumed by the failed attempt');
});

test('a provider error (access_denied) is refused', async () => {
  // the player cancels at the provider: its abort endpoint redirects back with error=access_denied
  const { browser, authUrl } = await beginLogin(srv.url);
  const jar = cookieJar();
  let res = await fetch(authUrl, { redirect: 'manual' });
  jar.store(res);
  const interaction = new URL(res.headers.get('location'), authUrl).href;
  res = await fetch(`${interaction}/abort`, { redirect: 'manual', headers: { cookie: jar.header() } });
  jar.store(res);
  let loc = new URL(res.headers.get('location'), authUrl).href;
  while (!loc.startsWith(srv.url)) {
    res = await fetch(loc, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.store(res);
    loc = new URL(res.headers.get('location'), loc).href;
  }
  assert.equal(new URL(loc).searchParams.get('error'), 'access_denied');
  assertRefused(await finishLogin(loc, browser), 'access_denied from the provider');
  assertRefused(await finishLogin(`${srv.url}/auth/callback?error=access_denied`, browser), 'bare error');
});

test('a tampered authorization code is refused', async () => {
  const { browser, callback } = await throughProvider(`code-${run}`);
  const u = new URL(callback);
  const code = u.searchParams.get('code');
  u.searchParams.set('code', code.slice(0, -2) + (code.endsWith('AA') ? 'BB' : 'AA'));
  assertRefused(await finishLogin(u.href, browser), 'tampered code');
});

test('a callback naming another issuer (RFC 9207 iss) is refused', async () => {
  const { browser, callback } = await throughProvider(`iss-${run}`);
  const u = new URL(callback);
  assert.equal(u.searchParams.get('iss'), provider.issuer, 'oidc-provider sends iss');
  u.searchParams.set('iss', 'https://evil.example');
  assertRefused(await finishLogin(u.href, browser), 'foreign iss');
});

// id_tokens altered between the provider and chatlings (the provider really issued the original)
const TAMPERS = {
  'bad signature': (tok) => {
    const [h, c, s] = tok.split('.');
    const sig = Buffer.from(s, 'base64url');
    sig[10] ^= 1;
    return `${h}.${c}.${sig.toString('base64url')}`;
  },
  'changed claims, original signature': (tok, { decode }) => {
    const { claims } = decode(tok);
    const [h, , s] = tok.split('.');
    return `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${s}`;
  },
  'wrong aud': (tok, { decode, sign }) => {
    const { header, claims } = decode(tok);
    return sign(header, { ...claims, aud: 'another-client' });
  },
  'wrong iss': (tok, { decode, sign }) => {
    const { header, claims } = decode(tok);
    return sign(header, { ...claims, iss: 'https://evil.example' });
  },
  expired: (tok, { decode, sign }) => {
    const { header, claims } = decode(tok);
    const now = Math.floor(Date.now() / 1000);
    return sign(header, { ...claims, iat: now - 7200, exp: now - 3600 });
  },
  'wrong nonce': (tok, { decode, sign }) => {
    const { header, claims } = decode(tok);
    return sign(header, { ...claims, nonce: crypto.randomBytes(32).toString('base64url') });
  },
  'signed by an unknown key': (tok, { decode, sign }) => {
    const { header, claims } = decode(tok);
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    return sign({ ...header, kid: 'not-in-jwks' }, claims, privateKey);
  },
  'alg none': (tok, { decode }) => {
    const { claims } = decode(tok);
    const b = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return `${b({ alg: 'none' })}.${b(claims)}.`;
  },
};

for (const [name, fn] of Object.entries(TAMPERS)) {
  test(`an id_token with ${name} is refused`, async (t) => {
    t.after(() => provider.setTamper(null));
    const { browser, callback } = await throughProvider(`tamper-${run}`);
    provider.setTamper(fn);
    const res = await finishLogin(callback, browser);
    assertRefused(res, name);
    // the player sees a generic message; the reason is only in the log
    assert.equal(res.json.error.message, 'sign-in failed, please try again');
  });
}

test('a token signed with an unknown kid makes chatlings refetch the JWKS once', async (t) => {
  t.after(() => provider.setTamper(null));
  const { browser, callback } = await throughProvider(`kid-${run}`);
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  provider.setTamper((tok, { decode, sign }) => {
    const { header, claims } = decode(tok);
    return sign({ ...header, kid: 'stranger' }, claims, privateKey);
  });
  const before = provider.jwksFetches;
  assertRefused(await finishLogin(callback, browser), 'unknown kid');
  assert.equal(provider.jwksFetches - before, 1, 'one refetch, then refused');
});

test('a rotated provider key is picked up by refetching the JWKS', async (t) => {
  t.after(() => { provider.setTamper(null); provider.setJwks(null); });
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `rotated-${run}`;
  const { browser, callback } = await throughProvider(`rotated-${run}`);
  provider.setJwks([{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }]);
  provider.setTamper((tok, { decode, sign }) => {
    const { header, claims } = decode(tok);
    return sign({ ...header, kid }, claims, privateKey);
  });
  const before = provider.jwksFetches;
  const res = await finishLogin(callback, browser);
  assert.equal(res.status, 302, JSON.stringify(res.json));
  assert.equal(res.location, '/signup');
  assert.equal(provider.jwksFetches - before, 1);
});

test('the refusal reasons are logged', async () => {
  const text = srv.logs.all;
  if (process.env.OIDC_TEST_SHOW_LOG) console.log(text.split('\n').filter((l) => /oidc|signin/.test(l)).join('\n'));
  for (const why of ['nonce does not match', 'aud is not our client id', 'token expired', 'bad token signature',
    'replayed state', 'binding cookie', 'access_denied']) {
    assert.ok(text.includes(why), `log mentions "${why}"`);
  }
});

test('the untampered flow still works after all that', async () => {
  const cookie = await loginThroughProvider(srv.url, `after-${run}`);
  const st = await api(srv.url, '/api/auth/status', { cookie });
  assert.equal(st.json.pending, true);
});

test('a discovery document naming another issuer makes sign-in unavailable', async () => {
  // "localhost" is not the "127.0.0.1" the provider calls itself: the document must be refused
  const wrong = provider.issuer.replace('127.0.0.1', 'localhost');
  const other = await startServer({
    env: {
      CHATLINGS_OIDC_ISSUER: wrong,
      CHATLINGS_OIDC_CLIENT_ID: provider.clientId,
      CHATLINGS_OIDC_CLIENT_SECRET: provider.clientSecret,
      CHATLINGS_RATE_LIMITS: 'signin=100000/60,write=100000/60,read=100000/60,chat=100000/60',
    },
  });
  try {
    const res = await api(other.url, '/auth/login');
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('location'), null);
    assert.match(other.logs.all, /differs from the configured/);
  } finally {
    await other.stop();
  }
});

test('a provider that only takes client_secret_post gets the secret in the form', async () => {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const p = await startProvider({ redirectUris: [`${publicUrl}/auth/callback`], authMethod: 'client_secret_post' });
  let other;
  try {
    const d = await (await fetch(`${p.issuer}/.well-known/openid-configuration`)).json();
    assert.deepEqual(d.token_endpoint_auth_methods_supported, ['client_secret_post']);
    other = await startServer({
      listen: `127.0.0.1:${port}`,
      env: {
        CHATLINGS_OIDC_ISSUER: p.issuer,
        CHATLINGS_OIDC_CLIENT_ID: p.clientId,
        CHATLINGS_OIDC_CLIENT_SECRET: p.clientSecret,
        CHATLINGS_PUBLIC_URL: publicUrl,
        CHATLINGS_RATE_LIMITS: 'signin=100000/60,write=100000/60,read=100000/60,chat=100000/60',
      },
    });
    const cookie = await loginThroughProvider(other.url, `post-${run}`);
    assert.match(cookie, /^__Host-chatlings=/);
  } finally {
    await other?.stop();
    await p.stop();
  }
});
