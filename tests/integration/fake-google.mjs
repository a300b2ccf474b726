// fake-google.mjs: a small stand-in for Google's OAuth endpoints and the two YouTube Data API
// calls chatlings makes, so that the YouTube tests and the bench never touch the network.
//   GET  /o/oauth2/v2/auth            authorization endpoint: checks the request, redirects back
//                                     with a code (or error=access_denied when told to deny)
//   POST /token                       authorization_code (PKCE S256 checked) and refresh_token
//   GET  /youtube/v3/playlistItems    the account's liked videos (playlistId=LL), newest first
//   GET  /youtube/v3/videos           snippets of known videos
// Failure modes are queued per endpoint with failNext(): {status} (401, 500, ...), 'quota'
// (403 quotaExceeded), 'malformed' (200 with broken JSON), {delayMs} (answers slowly), optionally
// for one account only and after letting `after` matching calls through.
// Run alone for the bench: node tests/integration/fake-google.mjs --port P [--bench-likes N]
// prints one JSON line with its URLs; refresh tokens "rt-bench-<i>" are accepted as accounts.
import crypto from 'node:crypto';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

const b64u = (buf) => Buffer.from(buf).toString('base64url');
const rand = (n = 24) => b64u(crypto.randomBytes(n));
export const YT_SCOPE = 'https://www.googleapis.com/auth/youtube.readonly';

/** An 11-character YouTube-like video id. */
export function videoId(prefix = 'v') {
  return (prefix + rand(12)).replace(/[^A-Za-z0-9_-]/g, 'x').slice(0, 11);
}

/**
 * Starts the fake. opts: port (0 = any), clientId, clientSecret, pageSize (items per list page,
 * 50 like YouTube), benchLikes (likes each rt-bench-<i> account has), benchVideos (how many
 * distinct videos the bench accounts like). Returns the control object described below.
 */
export async function startFakeGoogle({
  port = 0, clientId = 'yt-test-client', clientSecret = rand(), pageSize = 50, benchLikes = 1, benchVideos = 500,
} = {}) {
  const accounts = new Map();      // name -> { name, likes: [{videoId, at}], revoked }
  const videos = new Map();        // videoId -> { title, channelId, channelTitle }
  const codes = new Map();         // code -> { account, challenge, redirectUri, scope }
  const refreshTokens = new Map(); // token -> account name
  const accessTokens = new Map();  // token -> { account, expiresAt }
  const failures = { auth: [], token: [], playlistItems: [], videos: [] };
  const calls = { auth: 0, token: 0, refresh: 0, playlistItems: 0, videos: 0 };
  const waiters = [];
  const started = Date.now();
  let nextAccount = null;
  let grantScope = YT_SCOPE;
  let deny = false;
  let omitRefreshToken = false;

  const account = (name) => {
    if (!accounts.has(name)) accounts.set(name, { name, likes: [], revoked: false });
    return accounts.get(name);
  };

  // Bench accounts exist on first use: benchLikes likes each, shared among benchVideos videos.
  const benchAccount = (name) => {
    if (accounts.has(name)) return accounts.get(name);
    const a = account(name);
    const i = Number(name.slice('bench-'.length)) || 0;
    for (let k = 0; k < benchLikes; k++) {
      const id = `b${String((i * 7 + k) % benchVideos).padStart(10, '0')}`;
      if (!videos.has(id)) videos.set(id, { title: `Bench video ${id}`, channelId: `UCbench${id.slice(-4)}`, channelTitle: 'Bench' });
      a.likes.push({ videoId: id, at: new Date(started - 60000 - k * 1000) });
    }
    return a;
  };

  const takeFailure = (endpoint, accountName) => {
    const q = failures[endpoint];
    const i = q.findIndex((f) => !f.account || f.account === accountName);
    if (i < 0) return null;
    const f = q[i];
    if (f.after > 0) { f.after--; return null; } // let this many matching calls through first
    if (--f.count <= 0) q.splice(i, 1);
    return f.mode;
  };

  const notify = (endpoint, info) => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].endpoint === endpoint && (!waiters[i].account || waiters[i].account === info.account)) {
        waiters[i].resolve(info);
        waiters.splice(i, 1);
      }
    }
  };

  const send = (res, status, body, headers = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(text);
  };

  const apiError = (res, status, reason, message) => send(res, status, {
    error: { code: status, message, errors: [{ message, domain: 'youtube', reason }] },
  });

  // Applies a queued failure; true when the request was answered by it.
  const applyFailure = async (res, mode) => {
    if (!mode) return false;
    if (mode.delayMs) {
      await sleep(mode.delayMs);
      if (!mode.status) return false; // slow, then a normal answer
    }
    if (mode === 'quota') {
      apiError(res, 403, 'quotaExceeded', 'The request cannot be completed because you have exceeded your quota.');
    } else if (mode === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"kind":"youtube#playlistItemListResponse","items":[{"snippet":{"publishedAt":');
    } else if (mode === 'invalid_grant') {
      send(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
    } else if (mode.status === 401) {
      apiError(res, 401, 'authError', 'Invalid Credentials');
    } else {
      apiError(res, mode.status || 500, 'backendError', 'Backend Error');
    }
    return true;
  };

  const readBody = (req) => new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
  });

  const bearer = (req) => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
    const t = m && accessTokens.get(m[1]);
    if (!t || t.expiresAt <= Date.now() || accounts.get(t.account)?.revoked) return null;
    return t.account;
  };

  const issueAccess = (name) => {
    const token = `at-${rand()}`;
    accessTokens.set(token, { account: name, expiresAt: Date.now() + 3600_000 });
    return token;
  };

  const server = http.createServer(async (req, res) => {
    const u = new URL(req.url, 'http://fake');
    try {
      if (req.method === 'GET' && u.pathname === '/o/oauth2/v2/auth') {
        calls.auth++;
        const q = u.searchParams;
        const redirect = q.get('redirect_uri');
        const problems = [];
        if (q.get('client_id') !== clientId) problems.push('client_id');
        if (q.get('response_type') !== 'code') problems.push('response_type');
        if (!(q.get('scope') || '').split(' ').includes(YT_SCOPE)) problems.push('scope');
        if (q.get('access_type') !== 'offline') problems.push('access_type');
        if (q.get('prompt') !== 'consent') problems.push('prompt');
        if (q.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge') || '')) problems.push('pkce');
        if (!q.get('state')) problems.push('state');
        if (!redirect) problems.push('redirect_uri');
        if (problems.length) return send(res, 400, { error: 'invalid_request', problems });
        const back = new URL(redirect);
        back.searchParams.set('state', q.get('state'));
        if (deny) {
          back.searchParams.set('error', 'access_denied');
        } else {
          const code = `code-${rand()}`;
          const name = nextAccount || `acct-${rand(6)}`;
          nextAccount = null;
          account(name);
          codes.set(code, { account: name, challenge: q.get('code_challenge'), redirectUri: redirect, scope: grantScope });
          back.searchParams.set('code', code);
          back.searchParams.set('scope', grantScope);
        }
        res.writeHead(302, { location: back.href });
        return res.end();
      }

      if (req.method === 'POST' && u.pathname === '/token') {
        calls.token++;
        const form = new URLSearchParams(await readBody(req));
        let id = form.get('client_id');
        let secret = form.get('client_secret');
        const basic = /^Basic (.+)$/.exec(req.headers.authorization || '');
        if (basic) {
          const [a, b] = Buffer.from(basic[1], 'base64').toString().split(':');
          id = decodeURIComponent(a);
          secret = decodeURIComponent(b);
        }
        if (id !== clientId || secret !== clientSecret) return send(res, 401, { error: 'invalid_client' });
        const grant = form.get('grant_type');
        if (grant === 'refresh_token') {
          calls.refresh++;
          const rt = form.get('refresh_token') || '';
          let name = refreshTokens.get(rt);
          if (!name && /^rt-bench-\d+$/.test(rt)) name = benchAccount(`bench-${rt.slice('rt-bench-'.length)}`).name;
          const f = takeFailure('token', name);
          if (await applyFailure(res, f)) return;
          if (!name || accounts.get(name)?.revoked) {
            return send(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
          }
          return send(res, 200, { access_token: issueAccess(name), expires_in: 3599, scope: YT_SCOPE, token_type: 'Bearer' });
        }
        if (grant === 'authorization_code') {
          const c = codes.get(form.get('code'));
          codes.delete(form.get('code')); // single use
          const f = takeFailure('token', c?.account);
          if (await applyFailure(res, f)) return;
          if (!c) return send(res, 400, { error: 'invalid_grant', error_description: 'Bad code' });
          if (form.get('redirect_uri') !== c.redirectUri) return send(res, 400, { error: 'redirect_uri_mismatch' });
          const verifier = form.get('code_verifier') || '';
          const challenge = b64u(crypto.createHash('sha256').update(verifier).digest());
          if (challenge !== c.challenge) return send(res, 400, { error: 'invalid_grant', error_description: 'PKCE' });
          const rt = `rt-${rand()}`;
          refreshTokens.set(rt, c.account);
          const body = { access_token: issueAccess(c.account), expires_in: 3599, scope: c.scope, token_type: 'Bearer' };
          if (!omitRefreshToken) body.refresh_token = rt;
          return send(res, 200, body);
        }
        return send(res, 400, { error: 'unsupported_grant_type' });
      }

      if (req.method === 'GET' && u.pathname === '/youtube/v3/playlistItems') {
        calls.playlistItems++;
        const name = bearer(req);
        notify('playlistItems', { account: name });
        const f = takeFailure('playlistItems', name);
        if (await applyFailure(res, f)) return;
        if (!name) return apiError(res, 401, 'authError', 'Invalid Credentials');
        if (u.searchParams.get('playlistId') !== 'LL') return apiError(res, 404, 'playlistNotFound', 'Playlist not found');
        const a = accounts.get(name);
        const size = Math.min(Number(u.searchParams.get('maxResults') || 5), 50, pageSize);
        const tok = u.searchParams.get('pageToken');
        const offset = tok ? Number(tok.slice(1)) : 0;
        const slice = a.likes.slice(offset, offset + size);
        const body = {
          kind: 'youtube#playlistItemListResponse',
          pageInfo: { totalResults: a.likes.length, resultsPerPage: size },
          items: slice.map((l) => {
            const v = videos.get(l.videoId) || {};
            return {
              kind: 'youtube#playlistItem',
              id: `pli-${l.videoId}`,
              snippet: {
                publishedAt: l.at.toISOString(),
                title: v.title ?? 'Deleted video',
                ...(v.channelId ? { videoOwnerChannelId: v.channelId, videoOwnerChannelTitle: v.channelTitle } : {}),
                playlistId: 'LL',
                resourceId: { kind: 'youtube#video', videoId: l.videoId },
              },
            };
          }),
        };
        if (offset + size < a.likes.length) body.nextPageToken = `p${offset + size}`;
        return send(res, 200, body);
      }

      if (req.method === 'GET' && u.pathname === '/youtube/v3/videos') {
        calls.videos++;
        const name = bearer(req);
        notify('videos', { account: name });
        const f = takeFailure('videos', name);
        if (await applyFailure(res, f)) return;
        if (!name) return apiError(res, 401, 'authError', 'Invalid Credentials');
        const ids = (u.searchParams.get('id') || '').split(',').filter(Boolean);
        return send(res, 200, {
          kind: 'youtube#videoListResponse',
          items: ids.filter((id) => videos.has(id)).map((id) => ({
            kind: 'youtube#video', id,
            snippet: { title: videos.get(id).title, channelId: videos.get(id).channelId, channelTitle: videos.get(id).channelTitle },
          })),
        });
      }
      send(res, 404, { error: 'not_found' });
    } catch (err) {
      send(res, 500, { error: String(err) });
    }
  });
  server.keepAliveTimeout = 5000;
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;

  return {
    url,
    clientId,
    clientSecret,
    calls,
    /** The chatlings settings that point at this fake. */
    env: () => ({
      CHATLINGS_YOUTUBE_CLIENT_ID: clientId,
      CHATLINGS_YOUTUBE_CLIENT_SECRET: clientSecret,
      CHATLINGS_GOOGLE_OAUTH_BASE_URL: url,
      CHATLINGS_GOOGLE_TOKEN_URL: `${url}/token`,
      CHATLINGS_YOUTUBE_API_BASE_URL: `${url}/youtube/v3`,
    }),
    /** The next authorization belongs to this account (default: a fresh one each time). */
    setNextAccount(name) { nextAccount = name; account(name); },
    /** Adds a video to the fake's catalogue; returns its id. */
    addVideo({ id = videoId(), title = `Video ${id}`, channelId = `UC${rand(8)}`.replace(/[^A-Za-z0-9_-]/g, 'x'), channelTitle = 'A channel' } = {}) {
      videos.set(id, { title, channelId, channelTitle });
      return id;
    },
    /** The account likes a video now (or at `at`): it goes to the top of its LL playlist. */
    like(name, id, at = new Date()) {
      account(name).likes.unshift({ videoId: id, at });
      account(name).likes.sort((a, b) => b.at - a.at);
    },
    account,
    /** Google no longer accepts the account's tokens (refresh -> invalid_grant, API -> 401). */
    revoke(name) { account(name).revoked = true; },
    /** Every access token issued so far stops working (the next API call gets 401). */
    expireAccessTokens() { for (const t of accessTokens.values()) t.expiresAt = 0; },
    /** Queues a failure: endpoint auth|token|playlistItems|videos; mode {status}|'quota'|'malformed'|'invalid_grant'|{delayMs[, status]}. */
    failNext(endpoint, mode, { count = 1, account: acct, after = 0 } = {}) { failures[endpoint].push({ mode, count, account: acct, after }); },
    /** Items per list page from now on. */
    setPageSize(n) { pageSize = n; },
    clearFailures() { for (const k of Object.keys(failures)) failures[k].length = 0; },
    /** Resolves when the endpoint is next called (for the account, when given). */
    waitForCall(endpoint, acct) { return new Promise((resolve) => waiters.push({ endpoint, account: acct, resolve })); },
    setDeny(v) { deny = v; },
    setGrantScope(s) { grantScope = s; },
    setOmitRefreshToken(v) { omitRefreshToken = v; },
    stop: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

// Standalone (bench): print the settings, serve until SIGTERM/SIGINT.
if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, def) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : def;
  };
  const fake = await startFakeGoogle({
    port: Number(arg('port', 0)),
    clientId: arg('client-id', 'yt-bench-client'),
    clientSecret: arg('client-secret', 'yt-bench-secret'),
    benchLikes: Number(arg('bench-likes', 1)),
    benchVideos: Number(arg('bench-videos', 500)),
  });
  process.stdout.write(`${JSON.stringify({ url: fake.url, env: fake.env() })}\n`);
  const stop = async () => {
    process.stderr.write(`fake-google: ${JSON.stringify(fake.calls)}\n`);
    await fake.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
