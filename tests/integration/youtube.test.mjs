// youtube.test.mjs: YouTube likes end to end against the project's fake Google/YouTube server
// (fake-google.mjs): connecting (OAuth code flow with PKCE, state bound to the browser and the
// player, tokens sealed at rest and never shown), rewards once per (player, video) for videos
// liked after connecting (creator chatling, else the video's 24 h pin), the manual sync and its
// limit, the sweep of recently active players, and every failure mode: 401 then refresh,
// revoked (connection broken, player notified), 5xx (retried with backoff), quotaExceeded
// (syncs wait for the next UTC day), malformed JSON (dead letter, nothing crashes), a title
// full of markup (kept as text), and a worker killed mid-sync (no reward twice).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_REDIS_URL, psql, psqlValue, runChatlings, startWorker } from './harness.mjs';
import { assertError, signedIn, startOwnServer } from './players.mjs';
import { startFakeGoogle, videoId } from './fake-google.mjs';

const execFileP = promisify(execFile);
const run = randomBytes(3).toString('hex');
const QUIET = 'youtube_sweep=off,leaderboard_ensure=off,leaderboard_rollover=off,daily_box_ready=off,cleanup=off,' +
  'chatrooms_open_daily=off,push_deliver=off';
const READY = /worker \(development\) running/;

let fake;
let srv;
let w;

async function redisRaw(...args) {
  const u = new URL(TEST_REDIS_URL);
  const { stdout } = await execFileP('redis-cli', ['-h', u.hostname, '-p', u.port, '--raw', ...args]);
  return stdout.trim();
}

async function waitFor(what, fn, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

const workerEnv = (extra = {}) => ({
  ...fake.env(),
  CHATLINGS_WORKER_THREADS: '2',
  CHATLINGS_QUEUE_RECLAIM_IDLE_MS: '1500',
  CHATLINGS_WORKER_SCHEDULE: QUIET,
  ...extra,
});

before(async () => {
  fake = await startFakeGoogle();
  // no daily visitor: a player's finds are then exactly the starter plus the YouTube rewards
  srv = await startOwnServer({ ...fake.env(), CHATLINGS_VISITOR_ONE_IN: '0' });
  w = await startWorker({ env: workerEnv(), readyLog: READY });
  // a fresh day's quota (the counter is shared by everything that ran against this Redis today)
  await redisRaw('DEL', 'yt:quota:blocked', `yt:quota:${new Date().toISOString().slice(0, 10)}`);
});

after(async () => {
  await w?.stop();
  await srv?.stop();
  await fake?.stop();
});

/** Runs the OAuth dance for player p as fake account acct. Returns every step's response. */
async function connect(p, acct, { back: tamper } = {}) {
  fake.setNextAccount(acct);
  const start = await p.get('/api/youtube/connect');
  assert.equal(start.status, 302, start.text);
  const authUrl = start.headers.get('location');
  const atGoogle = await fetch(authUrl, { redirect: 'manual' });
  assert.equal(atGoogle.status, 302, await atGoogle.text());
  let back = new URL(atGoogle.headers.get('location'));
  if (tamper) back = tamper(back);
  const done = await p.get(back.pathname + back.search);
  return { start, authUrl, back, done };
}

async function connected(name = `yt_${run}_${randomBytes(3).toString('hex')}`) {
  const { p, user } = await signedIn(srv);
  const acct = `acct-${user.id}`;
  const { done } = await connect(p, acct);
  assert.equal(done.status, 302, done.text);
  assert.equal(done.headers.get('location'), '/?youtube=connected');
  // the first sync queued by the callback has run (nothing liked yet)
  await waitFor('first sync', async () =>
    (await psqlValue(`SELECT last_checked_at IS NOT NULL FROM youtube_connections WHERE user_id = '${user.id}'`)) === 't');
  return { p, user, acct, name };
}

const likesOf = async (userId) => Number(await psqlValue(`SELECT count(*) FROM youtube_likes WHERE user_id = '${userId}'`));
const findsOf = async (userId) => Number(await psqlValue(
  `SELECT coalesce(sum(found_count), 0) FROM user_collections WHERE user_id = '${userId}'`));

async function sync(userId) {
  const r = await runChatlings(['worker', 'enqueue', 'youtube_sync', JSON.stringify({ user_id: userId })]);
  assert.equal(r.code, 0, r.stderr);
}

/** Enqueues a sync and waits until the connection's last check moved (the job ran). */
async function syncAndWait(userId) {
  const before = await psqlValue(`SELECT coalesce(last_checked_at::text, '') FROM youtube_connections WHERE user_id = '${userId}'`);
  await sync(userId);
  await waitFor('the sync', async () => (await psqlValue(
    `SELECT coalesce(last_checked_at::text, '') FROM youtube_connections WHERE user_id = '${userId}'`)) !== before);
}

test('connecting: Google is asked for youtube.readonly, offline, with consent, state and PKCE', async () => {
  const { p, user } = await signedIn(srv);
  const { start, authUrl, done } = await connect(p, `acct-${user.id}`);
  const u = new URL(authUrl);
  assert.equal(u.origin + u.pathname, `${fake.url}/o/oauth2/v2/auth`);
  const q = u.searchParams;
  assert.equal(q.get('client_id'), fake.clientId);
  assert.equal(q.get('scope'), 'https://www.googleapis.com/auth/youtube.readonly');
  assert.equal(q.get('access_type'), 'offline');
  assert.equal(q.get('prompt'), 'consent');
  assert.equal(q.get('response_type'), 'code');
  assert.equal(q.get('redirect_uri'), `${srv.origin}/api/youtube/callback`);
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.match(q.get('state'), /^[A-Za-z0-9_-]{43}$/);
  assert.match(q.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
  assert.match(start.headers.getSetCookie().join(';'), /__Host-chatlings-yt=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax/);

  assert.equal(done.status, 302, done.text);
  assert.equal(done.headers.get('location'), '/?youtube=connected');
  // sealed at rest; the tokens never appear in what the browser gets
  const [[rt, at]] = await psql(`SELECT refresh_token_enc, access_token_enc FROM youtube_connections WHERE user_id = '${user.id}'`);
  assert.match(rt, /^v1\.[0-9a-f]{8}\./);
  assert.match(at, /^v1\.[0-9a-f]{8}\./);
  assert.doesNotMatch(rt + at, /rt-|at-/);
  const st = await p.get('/api/youtube/connection');
  assert.equal(st.status, 200);
  assert.equal(st.json.connected, true);
  assert.equal(st.json.status, 'active');
  assert.doesNotMatch(st.text + start.text + done.text, /"?(rt|at)-[A-Za-z0-9_-]{20,}/);
});

test('callbacks that must be refused', async () => {
  const { p, user } = await signedIn(srv);
  const acct = `acct-${user.id}`;
  // completed by another browser of the same player (no binding cookie)
  const { p: other } = await signedIn(srv);
  fake.setNextAccount(acct);
  const start = await p.get('/api/youtube/connect');
  const back = new URL((await fetch(start.headers.get('location'), { redirect: 'manual' })).headers.get('location'));
  assertError(await other.get(back.pathname + back.search), 400, 'bad_request'); // another player, another browser
  assertError(await p.get(back.pathname + back.search), 400, 'bad_request');     // the flow was consumed
  // replaying a state that worked
  const ok = await connect(p, acct);
  assert.equal(ok.done.status, 302);
  assertError(await p.get(ok.back.pathname + ok.back.search), 400, 'bad_request');
  // no or a malformed state
  assertError(await p.get('/api/youtube/callback?code=x'), 400, 'bad_request');
  assertError(await p.get('/api/youtube/callback?code=x&state=abc'), 400, 'bad_request');
  // the player said no
  fake.setDeny(true);
  try {
    const denied = await connect(p, acct);
    assert.equal(denied.back.searchParams.get('error'), 'access_denied');
    assertError(denied.done, 400, 'bad_request');
  } finally {
    fake.setDeny(false);
  }
  // the readonly scope unticked on the consent screen; no refresh token
  fake.setGrantScope('openid');
  try {
    assertError((await connect(p, acct)).done, 400, 'bad_request');
  } finally {
    fake.setGrantScope('https://www.googleapis.com/auth/youtube.readonly');
  }
  fake.setOmitRefreshToken(true);
  try {
    assertError((await connect(p, acct)).done, 400, 'bad_request');
  } finally {
    fake.setOmitRefreshToken(false);
  }
  // a tampered code
  const bad = await connect(p, acct, { back: (u) => { u.searchParams.set('code', 'code-forged'); return u; } });
  assertError(bad.done, 400, 'bad_request');
  // signed out: no connecting at all
  const anon = await fetch(`${srv.url}/api/youtube/connect`, { redirect: 'manual' });
  assert.equal(anon.status, 401);
});

test('likes after connecting are rewarded once each; titles stay text; manual sync is limited', async () => {
  const oldVideo = fake.addVideo();
  const { p, user, acct } = await (async () => {
    const s = await signedIn(srv);
    const a = `acct-${s.user.id}`;
    fake.account(a);
    fake.like(a, oldVideo, new Date(Date.now() - 3600_000)); // liked before connecting: never rewarded
    const { done } = await connect(s.p, a);
    assert.equal(done.status, 302);
    return { ...s, acct: a };
  })();
  const markup = `<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes" ${run}`;
  const v1 = fake.addVideo({ title: markup });
  const v2 = fake.addVideo({ title: 'A plain title' });
  fake.like(acct, v1);
  fake.like(acct, v2);
  const r = await p.post('/api/youtube/sync');
  assert.equal(r.status, 202, r.text);
  assert.deepEqual(r.json, { queued: true });
  const again = await p.post('/api/youtube/sync');
  assertError(again, 429, 'rate_limited');
  const retry = Number(again.headers.get('retry-after'));
  assert.ok(retry > 0 && retry <= 300, `retry-after ${retry}`);

  await waitFor('two rewards', async () => (await likesOf(user.id)) === 2);
  assert.equal(await psqlValue(`SELECT count(*) FROM youtube_likes WHERE user_id = '${user.id}' AND video_id = '${oldVideo}'`), '0');
  // the title is stored exactly as YouTube sent it
  assert.equal(await psqlValue(`SELECT title FROM youtube_likes WHERE user_id = '${user.id}' AND video_id = '${v1}'`), markup);
  // every reward is a youtube find, notified
  assert.equal(await psqlValue(`SELECT count(*) FROM user_collections WHERE user_id = '${user.id}' AND source = 'youtube'`) >= '1', true);
  assert.equal(await findsOf(user.id), 1 + 2); // the starter + two rewards

  // more syncs find nothing new
  await syncAndWait(user.id);
  await syncAndWait(user.id);
  assert.equal(await likesOf(user.id), 2);
  assert.equal(await findsOf(user.id), 3);

  // the list: escaped on the wire, the same text once parsed; paged newest first
  const page1 = await p.get('/api/youtube/likes?limit=1');
  assert.equal(page1.status, 200);
  assert.equal(page1.json.items.length, 1);
  assert.ok(page1.json.next_before > 0);
  const page2 = await p.get(`/api/youtube/likes?limit=1&before=${page1.json.next_before}`);
  assert.equal(page2.json.items.length, 1);
  assert.equal(page2.json.next_before, null);
  const all = [...page1.json.items, ...page2.json.items];
  assert.deepEqual(all.map((i) => i.video_id).sort(), [v1, v2].sort());
  const item = all.find((i) => i.video_id === v1);
  assert.equal(item.title, markup);
  assert.match(item.creature.id, /^[0-9a-f-]{36}$/);
  assert.ok(item.liked_at && item.rewarded_at);
  const raw = (await p.get('/api/youtube/likes')).text;
  assert.doesNotMatch(raw, /<script|<img/);
  assert.match(raw, /\\u003cscript/);
  assertError(await p.get('/api/youtube/likes?limit=0'), 400, 'bad_request');
  const st = await p.get('/api/youtube/connection');
  assert.equal(st.json.rewards, 2);
});

test("a mapped channel gives its creator chatling; otherwise the video's pin, the same for everyone that day", async () => {
  const a = await connected();
  const b = await connected();
  const creature = await psqlValue(
    "SELECT id FROM creatures WHERE is_active AND deleted_at IS NULL AND rarity = 'Epic' ORDER BY seq LIMIT 1");
  const channel = `UCcreator${run}`;
  await psql(`INSERT INTO creator_chatlings (channel_id, creature_id) VALUES ('${channel}', '${creature}')`);
  const creatorVideo = fake.addVideo({ channelId: channel, title: 'From a creator' });
  const shared = fake.addVideo({ title: 'Everybody likes this' });
  for (const x of [a, b]) {
    fake.like(x.acct, creatorVideo);
    fake.like(x.acct, shared);
    await sync(x.user.id);
  }
  for (const x of [a, b]) await waitFor('rewards', async () => (await likesOf(x.user.id)) === 2);
  const [[ca], [cb]] = [
    await psql(`SELECT creature_id FROM youtube_likes WHERE user_id = '${a.user.id}' AND video_id = '${creatorVideo}'`),
    await psql(`SELECT creature_id FROM youtube_likes WHERE user_id = '${b.user.id}' AND video_id = '${creatorVideo}'`),
  ];
  assert.equal(ca[0], creature);
  assert.equal(cb[0], creature);
  const pa = await psqlValue(`SELECT creature_id FROM youtube_likes WHERE user_id = '${a.user.id}' AND video_id = '${shared}'`);
  const pb = await psqlValue(`SELECT creature_id FROM youtube_likes WHERE user_id = '${b.user.id}' AND video_id = '${shared}'`);
  assert.equal(pa, pb);
  assert.equal(await psqlValue(`SELECT creature_id FROM youtube_video_pins WHERE video_id = '${shared}'`), pa);
  assert.equal(await psqlValue(`SELECT expires_at > now() + interval '23 hours' FROM youtube_video_pins WHERE video_id = '${shared}'`), 't');
  // video metadata is cached for 24 h
  const ttl = Number(await redisRaw('TTL', `youtube:video:${shared}:metadata`));
  assert.ok(ttl > 23 * 3600 && ttl <= 24 * 3600, `ttl ${ttl}`);
});

test('an expired access token is refreshed (401, then refresh, then the call again)', async () => {
  const x = await connected();
  const v = fake.addVideo();
  fake.like(x.acct, v);
  const refreshes = fake.calls.refresh;
  fake.expireAccessTokens();
  await sync(x.user.id);
  await waitFor('the reward', async () => (await likesOf(x.user.id)) === 1);
  assert.ok(fake.calls.refresh > refreshes);
  assert.equal(await psqlValue(`SELECT status FROM youtube_connections WHERE user_id = '${x.user.id}'`), 'active');
});

test('5xx from YouTube: the job is retried with backoff and then succeeds', async () => {
  const x = await connected();
  const v = fake.addVideo();
  fake.like(x.acct, v);
  fake.failNext('playlistItems', { status: 503 }, { account: x.acct });
  const t0 = Date.now();
  await sync(x.user.id);
  await waitFor('the reward after a retry', async () => (await likesOf(x.user.id)) === 1, 15000);
  assert.ok(Date.now() - t0 >= 1800, 'waited for the backoff');
  assert.match(w.logs(), /job_retry.*youtube_sync/);
});

test('quotaExceeded: syncs stop until the next UTC day; a spent budget makes no calls', async (t) => {
  t.after(() => redisRaw('DEL', 'yt:quota:blocked'));
  const x = await connected();
  fake.like(x.acct, fake.addVideo());
  fake.failNext('playlistItems', 'quota', { account: x.acct });
  await sync(x.user.id);
  await waitFor('the block', async () => (await redisRaw('EXISTS', 'yt:quota:blocked')) === '1');
  const ttl = Number(await redisRaw('PTTL', 'yt:quota:blocked'));
  const now = new Date();
  const toMidnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime();
  assert.ok(ttl > 0 && ttl <= toMidnight + 1000, `blocked for ${ttl} ms, midnight in ${toMidnight} ms`);
  try {
    const calls = fake.calls.playlistItems;
    await sync(x.user.id); // a blocked sync ends at once, without a call
    await sleep(1500);
    assert.equal(fake.calls.playlistItems, calls, 'no call while blocked');
    assert.equal(await likesOf(x.user.id), 0);
  } finally {
    await redisRaw('DEL', 'yt:quota:blocked');
  }
  // today's budget spent (by the counter, not by Google): no call either
  const day = new Date().toISOString().slice(0, 10);
  const used = await redisRaw('GET', `yt:quota:${day}`);
  await redisRaw('SET', `yt:quota:${day}`, '10000');
  try {
    const calls = fake.calls.playlistItems;
    await syncAndWait(x.user.id);
    assert.equal(fake.calls.playlistItems, calls);
  } finally {
    await redisRaw('SET', `yt:quota:${day}`, used || '0');
  }
  await syncAndWait(x.user.id);
  assert.equal(await likesOf(x.user.id), 1);
});

test('malformed JSON from YouTube: the job goes to the dead letters, the worker carries on', async () => {
  const x = await connected();
  fake.like(x.acct, fake.addVideo());
  fake.failNext('playlistItems', 'malformed', { account: x.acct });
  await sync(x.user.id);
  await waitFor('the dead letter', async () =>
    (await redisRaw('XRANGE', 'queue:{default}:dead', '-', '+')).includes(x.user.id));
  assert.equal(w.exitInfo, null, 'the worker is still running');
  w.assertNoSanitizerReport();
  // the next sync works
  await sync(x.user.id);
  await waitFor('the reward', async () => (await likesOf(x.user.id)) === 1);
});

test('a revoked authorisation breaks the connection and tells the player, once', async () => {
  const x = await connected();
  fake.revoke(x.acct);
  fake.expireAccessTokens();
  await sync(x.user.id);
  await waitFor('broken', async () =>
    (await psqlValue(`SELECT status FROM youtube_connections WHERE user_id = '${x.user.id}'`)) === 'broken');
  await sync(x.user.id); // nothing more happens to a broken connection
  await sleep(500);
  assert.equal(await psqlValue(
    `SELECT count(*) FROM notifications WHERE user_id = '${x.user.id}' AND category = 'system' AND title = 'YouTube disconnected'`), '1');
  const st = await x.p.get('/api/youtube/connection');
  assert.equal(st.json.status, 'broken');
  assert.ok(st.json.last_error);
  assertError(await x.p.post('/api/youtube/sync'), 409, 'conflict');
  // connecting again repairs it
  fake.account(x.acct).revoked = false;
  const again = await connect(x.p, x.acct);
  assert.equal(again.done.status, 302);
  assert.equal(await psqlValue(`SELECT status FROM youtube_connections WHERE user_id = '${x.user.id}'`), 'active');
});

test('the sweep syncs players active in the last 24 h, and only them', async () => {
  const active = await connected();
  const idle = await connected();
  await psql(`UPDATE users SET last_seen_at = now() WHERE id = '${active.user.id}'`);
  await psql(`UPDATE users SET last_seen_at = now() - interval '2 days' WHERE id = '${idle.user.id}'`);
  // the least recently checked go first (whatever else this database holds): make ours the oldest
  await psql(`UPDATE youtube_connections SET last_checked_at = now() - interval '1 year'
              WHERE user_id IN ('${active.user.id}', '${idle.user.id}')`);
  fake.like(active.acct, fake.addVideo());
  fake.like(idle.acct, fake.addVideo());
  const r = await runChatlings(['worker', 'enqueue', 'youtube_sweep']);
  assert.equal(r.code, 0, r.stderr);
  await waitFor('the active player rewarded', async () => (await likesOf(active.user.id)) === 1);
  await sleep(1000);
  assert.equal(await likesOf(idle.user.id), 0);
  assert.match(w.logs(), /youtube_sweep.*syncs queued/);
});

test('signed-in requests keep last_seen_at fresh (at most every 10 minutes)', async () => {
  const { p, user } = await signedIn(srv);
  await psql(`UPDATE users SET last_seen_at = NULL WHERE id = '${user.id}'`);
  await redisRaw('DEL', `seen:${user.id}`);
  await p.get('/api/user/me');
  assert.equal(await psqlValue(`SELECT last_seen_at > now() - interval '1 minute' FROM users WHERE id = '${user.id}'`), 't');
  const ttl = Number(await redisRaw('TTL', `seen:${user.id}`));
  assert.ok(ttl > 500 && ttl <= 600);
});

test('disconnecting forgets the tokens and keeps the rewards', async () => {
  const x = await connected();
  fake.like(x.acct, fake.addVideo());
  await sync(x.user.id);
  await waitFor('the reward', async () => (await likesOf(x.user.id)) === 1);
  const r = await x.p.del('/api/youtube/connection');
  assert.equal(r.status, 204);
  assert.equal(await psqlValue(`SELECT count(*) FROM youtube_connections WHERE user_id = '${x.user.id}'`), '0');
  assert.equal(await likesOf(x.user.id), 1);
  const st = await x.p.get('/api/youtube/connection');
  assert.equal(st.json.connected, false);
  assertError(await x.p.post('/api/youtube/sync'), 404, 'not_found');
  assert.equal((await x.p.get('/api/youtube/likes')).json.items.length, 1);
});

test('kill -9 of the worker in the middle of a sync: another finishes it, nothing is rewarded twice', async (t) => {
  const x = await connected();
  fake.setPageSize(2);
  t.after(() => fake.setPageSize(50));
  const vids = [0, 1, 2, 3].map(() => fake.addVideo());
  for (const v of vids) fake.like(x.acct, v);
  // page 1 answers at once; page 2 hangs long enough to kill whoever asked for it
  fake.failNext('playlistItems', { delayMs: 8000 }, { account: x.acct, after: 1 });
  const a = await startWorker({ env: workerEnv({ CHATLINGS_WORKER_THREADS: '1' }), readyLog: READY });
  t.after(() => (a.exitInfo ? null : a.stop({ expectClean: false }).catch(() => {})));
  const second = new Promise((resolve) => {
    let n = 0;
    const wait = () => fake.waitForCall('playlistItems', x.acct).then(() => (++n === 2 ? resolve() : wait()));
    wait();
  });
  await sync(x.user.id);
  await second;
  assert.equal(await likesOf(x.user.id), 2, 'page 1 rewarded before the kill');
  const out = await redisRaw('XPENDING', 'queue:{default}', 'workers', '-', '+', '10');
  const pid = Number(/:(\d+):\d+:[0-9a-f]{8}/.exec(out)?.[1]);
  const victim = pid === a.proc.pid ? a : pid === w.proc.pid ? w : null;
  assert.ok(victim, `the job is held by one of our workers (${out})`);
  victim.proc.kill('SIGKILL');
  await victim.exited;
  if (victim === w) {
    // keep a worker for the file's remaining tests
    w = await startWorker({ env: workerEnv(), readyLog: READY });
  }
  await waitFor('all four rewarded', async () => (await likesOf(x.user.id)) === 4, 20000);
  await sleep(500);
  assert.equal(await likesOf(x.user.id), 4);
  assert.equal(await psqlValue(
    `SELECT count(DISTINCT video_id) FROM youtube_likes WHERE user_id = '${x.user.id}'`), '4');
  assert.equal(await findsOf(x.user.id), 1 + 4, 'the starter and one find per video, none twice');
});
