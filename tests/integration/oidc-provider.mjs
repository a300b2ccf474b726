// oidc-provider.mjs: a real OpenID Connect provider for the sign-in tests (the npm
// `oidc-provider`, in process, on a free loopback port), plus helpers that drive the whole
// browser flow over HTTP by hand: chatlings /auth/login -> provider login form -> consent ->
// chatlings /auth/callback. Any login name is accepted; it becomes the subject (sub).
import crypto from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';
import { freePort } from './harness.mjs';

const b64u = (buf) => Buffer.from(buf).toString('base64url');

// oidc-provider prints its development-only warnings (and, on Node 20, that the runtime is
// unsupported) through console.warn/info; the tests do not need to see them.
function quietly(fn) {
  const { warn, info } = console;
  console.warn = () => {};
  console.info = () => {};
  try { return fn(); } finally { console.warn = warn; console.info = info; }
}

/**
 * Starts the provider. opts:
 *   redirectUris  the chatlings callback URL(s), e.g. [`http://127.0.0.1:${port}/auth/callback`]
 *   clientId, clientSecret (defaults: 'chatlings-test' and a random secret)
 *   authMethod    the client's token endpoint authentication, and the only one the discovery
 *                 document lists when given ('client_secret_basic' by default, all methods listed)
 * Returns { issuer, clientId, clientSecret, port, provider, signingKey, kid, signJwt(header, claims, key?),
 *           decodeJwt(token), setTamper(fn|null), setJwks(keys|null), jwksFetches, stop() }.
 * setTamper(fn): while set, the token endpoint's id_token is replaced by fn(idToken, helpers)
 * (helpers: { decode(token) -> {header, claims}, sign(header, claims, key?) }) so tests can hand
 * chatlings an id_token that was altered after the provider issued it.
 */
export async function startProvider({ redirectUris, clientId = 'chatlings-test', clientSecret, authMethod } = {}) {
  if (!redirectUris?.length) throw new Error('startProvider: redirectUris required');
  clientSecret ??= b64u(crypto.randomBytes(24));
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;

  const kid = 'chatlings-test-key-1';
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };

  const provider = quietly(() => new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: authMethod || 'client_secret_basic',
    }],
    ...(authMethod ? { clientAuthMethods: [authMethod] } : {}),
    jwks: { keys: [jwk] },
    pkce: { required: () => true },
    // like Google: the scope's claims (email) travel in the id_token itself
    conformIdTokenClaims: false,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: async (ctx, id) => ({
      accountId: id,
      claims: async () => ({ sub: id, email: `${id}@example.test`, email_verified: true, name: id }),
    }),
    cookies: { keys: [b64u(crypto.randomBytes(32))] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    features: { devInteractions: { enabled: true } },
  }));

  let tamper = null;
  let jwksOverride = null;
  let jwksFetches = 0;
  const helpers = {
    decode(token) {
      const [h, c] = token.split('.');
      return { header: JSON.parse(Buffer.from(h, 'base64url')), claims: JSON.parse(Buffer.from(c, 'base64url')) };
    },
    sign(header, claims, key = privateKey) {
      const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
      return `${input}.${b64u(crypto.sign('sha256', Buffer.from(input), key))}`;
    },
  };
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/jwks') {
      jwksFetches++;
      if (jwksOverride) ctx.body = { keys: jwksOverride };
    }
    if (tamper && ctx.path === '/token' && ctx.status === 200 && ctx.body?.id_token) {
      ctx.body = { ...ctx.body, id_token: tamper(ctx.body.id_token, helpers) };
    }
  });

  const server = http.createServer(provider.callback());
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    issuer, clientId, clientSecret, port, provider, signingKey: privateKey, kid,
    signJwt: helpers.sign,
    decodeJwt: helpers.decode,
    setTamper(fn) { tamper = fn; },
    /** Serve these public JWKs at the jwks_uri instead of the real ones (null: the real ones). */
    setJwks(keys) { jwksOverride = keys; },
    get jwksFetches() { return jwksFetches; },
    stop() {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// A browser, by hand

/** A minimal cookie jar (one origin per jar; Path is ignored, expiry honoured). */
export function cookieJar() {
  const jar = new Map();
  return {
    jar,
    store(res) {
      for (const sc of res.headers.getSetCookie?.() || []) {
        const [pair, ...attrs] = sc.split(';');
        const i = pair.indexOf('=');
        const name = pair.slice(0, i).trim();
        const value = pair.slice(i + 1).trim();
        const gone = value === '' || attrs.some((a) => {
          const [k, v = ''] = a.trim().split('=');
          if (/^max-age$/i.test(k)) return Number(v) <= 0;
          if (/^expires$/i.test(k)) return Date.parse(v) < Date.now();
          return false;
        });
        if (gone) jar.delete(name); else jar.set(name, value);
      }
    },
    header() { return [...jar].map(([k, v]) => `${k}=${v}`).join('; '); },
  };
}

async function send(url, jar, { method = 'GET', form } = {}) {
  const headers = {};
  const ck = jar.header();
  if (ck) headers.cookie = ck;
  let body;
  if (form) {
    body = new URLSearchParams(form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const res = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(10000) });
  jar.store(res);
  const text = await res.text();
  const location = res.headers.get('location');
  return { status: res.status, headers: res.headers, text, location: location && new URL(location, url).href };
}

/**
 * Step 1: GET {serverUrl}/auth/login in a fresh chatlings "browser".
 * Returns { browser (cookie jar for chatlings), status, authUrl, state, setCookies }.
 */
export async function beginLogin(serverUrl, browser = cookieJar()) {
  const res = await send(`${serverUrl}/auth/login`, browser);
  if (res.status !== 302 || !res.location) {
    throw new Error(`/auth/login answered ${res.status}: ${res.text}`);
  }
  const authUrl = new URL(res.location);
  return {
    browser,
    status: res.status,
    authUrl: res.location,
    state: authUrl.searchParams.get('state'),
    setCookies: res.headers.getSetCookie(),
  };
}

/**
 * Step 2: at the provider, follow the authorization URL, log in as `login`, give consent, and
 * stop at the redirect back to chatlings. Returns that callback URL (with code and state).
 */
export async function authorizeAtProvider(authUrl, login, { providerJar = cookieJar() } = {}) {
  const origin = new URL(authUrl).origin;
  let url = authUrl;
  let method = 'GET';
  let form;
  for (let step = 0; step < 20; step++) {
    const res = await send(url, providerJar, { method, form });
    method = 'GET';
    form = undefined;
    if (res.status >= 300 && res.status < 400) {
      if (new URL(res.location).origin !== origin) return res.location; // back to the client
      url = res.location;
      continue;
    }
    if (res.status !== 200) throw new Error(`provider ${url} answered ${res.status}: ${res.text.slice(0, 500)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(res.text)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(res.text)?.[1];
    if (!action || !prompt) throw new Error(`unexpected provider page at ${url}: ${res.text.slice(0, 500)}`);
    url = new URL(action.replace(/&amp;/g, '&'), url).href;
    method = 'POST';
    form = prompt === 'login' ? { prompt, login, password: 'any' } : { prompt };
  }
  throw new Error('provider flow did not come back to the client within 20 steps');
}

/**
 * Step 3: GET the callback URL in the chatlings browser. Returns { status, location, json, setCookies }.
 */
export async function finishLogin(callbackUrl, browser) {
  const res = await send(callbackUrl, browser);
  let json = null;
  try { json = res.text ? JSON.parse(res.text) : null; } catch { /* not JSON */ }
  return { status: res.status, location: res.headers.get('location'), json, setCookies: res.headers.getSetCookie() };
}

/**
 * The whole flow for `providerLoginName` (the provider's subject). Returns the chatlings session
 * cookie ('__Host-chatlings=...'), ready for a Cookie header; throws when sign-in did not succeed.
 */
export async function loginThroughProvider(serverUrl, providerLoginName) {
  const { browser, authUrl } = await beginLogin(serverUrl);
  const callback = await authorizeAtProvider(authUrl, providerLoginName);
  const res = await finishLogin(callback, browser);
  if (res.status !== 302) throw new Error(`/auth/callback answered ${res.status}: ${JSON.stringify(res.json)}`);
  const value = browser.jar.get('__Host-chatlings');
  if (!value) throw new Error('/auth/callback set no session cookie');
  return `__Host-chatlings=${value}`;
}
