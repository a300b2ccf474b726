// Leaderboards, black-box: board order with ties, public fields only, the caller's live rank,
// the one-minute cache of the top 100, rebuild from PostgreSQL equal to the live boards (also by
// the worker after Redis lost them), and the weekly rollover at Monday 00:00 UTC with the archive
// (servers and workers started with CHATLINGS_CLOCK_OFFSET_S). Each part runs on its own Redis
// database of the test server, so flushing it touches nothing else.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { api, psql, psqlValue, runChatlings, startWorker, TEST_REDIS_URL } from './harness.mjs';
import { startOwnServer, uname, signedIn, assertError } from './players.mjs';

const execFileP = promisify(execFile);

function withDb(url, db) {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}
const LB_REDIS = withDb(TEST_REDIS_URL, 11);
const ROLL_REDIS = withDb(TEST_REDIS_URL, 12);

async function redis(url, ...args) {
  const { stdout } = await execFileP('redis-cli', ['-u', url, ...args], { maxBuffer: 256 << 20 });
  return stdout.replace(/\n$/, '');
}

const BOARDS = ['global', 'collection', 'rarity', 'team'];
const KEYS = BOARDS.flatMap((b) => [`leaderboard:{lb}:${b}:alltime`, `leaderboard:{lb}:${b}:weekly`]);
const WEIGHT = { Common: 1, Uncommon: 2, Rare: 4, Epic: 8, Legendary: 16, Mythical: 32 };

async function until(fn, timeoutMs = 20000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** ISO week "YYYY-Www" of an instant (ms). */
function isoWeek(ms) {
  const d = new Date(ms);
  const day = (d.getUTCDay() + 6) % 7; // Monday 0
  const thursday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3));
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * 86400000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

async function give(userId, rarity, n) {
  const rows = await psql(`INSERT INTO user_collections (user_id, creature_id, source)
    SELECT '${userId}', id, 'admin' FROM creatures c WHERE rarity = '${rarity}' AND is_active AND deleted_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM user_collections x WHERE x.user_id = '${userId}' AND x.creature_id = c.id)
    ORDER BY seq LIMIT ${n} RETURNING creature_id`);
  assert.equal(rows.length, n);
  return rows.map((r) => r[0]);
}

/** Any committed change goes through leaderboard_player_changed; fielding the team is one. */
async function touch(p, user) {
  const r = await p.put('/api/user/team', { creature_ids: [user.current_creature.id] });
  assert.equal(r.status, 200, r.text);
}

// No daily visitor joining mid-test (scores are still checked against PostgreSQL, not assumed).
const QUIET = { CHATLINGS_VISITOR_ONE_IN: '0' };
let srv;
before(async () => {
  await redis(LB_REDIS, 'FLUSHDB');
  await redis(ROLL_REDIS, 'FLUSHDB');
  srv = await startOwnServer({ ...QUIET, REDIS_URL: LB_REDIS });
  const rb = await runChatlings(['admin', 'rebuild-leaderboards'], { env: { REDIS_URL: LB_REDIS } });
  assert.equal(rb.code, 0, rb.stderr);
  assert.match(rb.stdout, /rebuilt leaderboards from \d+ players/);
});
after(async () => {
  await srv?.stop();
  await redis(LB_REDIS, 'FLUSHDB');
  await redis(ROLL_REDIS, 'FLUSHDB');
});

test('requests: unknown board 404, bad period or week 400, anonymous me is null', async () => {
  assertError(await api(srv.url, '/api/leaderboard/motes'), 404, 'not_found');
  assertError(await api(srv.url, '/api/leaderboard/rarity?period=month'), 400, 'bad_request');
  assertError(await api(srv.url, '/api/leaderboard/rarity?period=week&week=2026-W99'), 400, 'bad_request');
  assertError(await api(srv.url, '/api/leaderboard/rarity?period=week&week=26-W01'), 400, 'bad_request');
  assertError(await api(srv.url, '/api/leaderboard/rarity?week=2026-W01'), 400, 'bad_request');
  const nextYear = `${new Date().getUTCFullYear() + 1}-W10`;
  assertError(await api(srv.url, `/api/leaderboard/rarity?period=week&week=${nextYear}`), 404, 'not_found');
  for (const board of ['achievements', 'collection', 'rarity', 'team']) {
    for (const period of ['all', 'week']) {
      const r = await api(srv.url, `/api/leaderboard/${board}?period=${period}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.board, board);
      assert.equal(r.json.period, period);
      assert.equal(r.json.week, period === 'week' ? isoWeek(Date.now()) : null);
      assert.equal(r.json.me, null);
      assert.ok(Array.isArray(r.json.entries) && r.json.entries.length <= 100);
    }
  }
});

test('rarity board: order, ties by id, public fields only, own rank live, top 100 cached', async () => {
  const a = await signedIn(srv, uname('lbA'));
  const b = await signedIn(srv, uname('lbB'));
  const c = await signedIn(srv, uname('lbC'));
  await give(a.user.id, 'Mythical', 3);
  await give(b.user.id, 'Mythical', 3);
  await give(c.user.id, 'Mythical', 2);
  // A and B tie: whatever else they own, level them with Commons (weight 1)
  const rarityOf = async (u) => Number(await psqlValue(`SELECT sum(CASE c.rarity ${Object.entries(WEIGHT)
    .map(([k, v]) => `WHEN '${k}' THEN ${v}`).join(' ')} END) FROM user_collections uc
    JOIN creatures c ON c.id = uc.creature_id WHERE uc.user_id = '${u.id}'`));
  const [sa, sb] = [await rarityOf(a.user), await rarityOf(b.user)];
  if (sa !== sb) await give(sa < sb ? a.user.id : b.user.id, 'Common', Math.abs(sa - sb));
  for (const x of [a, b, c]) await touch(x.p, x.user);
  const tie = await rarityOf(a.user);
  assert.equal(await rarityOf(b.user), tie);

  // the expected board, straight from PostgreSQL: Σ weights, ties by user id descending
  const expected = async () => (await psql(`SELECT u.id, u.username, sum(CASE c.rarity ${Object.entries(WEIGHT)
    .map(([k, v]) => `WHEN '${k}' THEN ${v}`).join(' ')} END)
    FROM users u JOIN user_collections uc ON uc.user_id = u.id JOIN creatures c ON c.id = uc.creature_id
    WHERE u.deleted_at IS NULL AND u.suspended_at IS NULL GROUP BY u.id, u.username`))
    .map(([id, username, s]) => ({ id, username, score: Number(s) }))
    .sort((x, y) => y.score - x.score || (x.id < y.id ? 1 : -1));

  await redis(LB_REDIS, 'DEL', 'leaderboard:{lb}:cache:rarity:all');
  const r = await api(srv.url, '/api/leaderboard/rarity');
  assert.equal(r.status, 200, r.text);
  const want = (await expected()).slice(0, 100);
  assert.deepEqual(r.json.entries, want.map((e, i) => ({ rank: i + 1, username: e.username, score: e.score })));
  for (const e of r.json.entries) assert.deepEqual(Object.keys(e).sort(), ['rank', 'score', 'username']);
  assert.ok(!/@|[0-9a-f]{8}-[0-9a-f]{4}-/.test(r.text.replace(/"username":"[^"]*"/g, '')), 'no ids, no emails');

  // the caller's rank is the live position; the tie between A and B goes to the larger id
  const all = await expected();
  const rankOf = (u) => all.findIndex((e) => e.id === u.id) + 1;
  const ra = await a.p.get('/api/leaderboard/rarity');
  const rb = await b.p.get('/api/leaderboard/rarity');
  assert.deepEqual(ra.json.me, { rank: rankOf(a.user), score: tie });
  assert.deepEqual(rb.json.me, { rank: rankOf(b.user), score: tie });
  assert.equal(ra.json.me.rank < rb.json.me.rank, a.user.id > b.user.id);
  // the same order on every read
  const again = await api(srv.url, '/api/leaderboard/rarity');
  assert.deepEqual(again.json.entries, r.json.entries);

  // C climbs: its own rank moves at once, the cached top 100 only after its minute (here: evicted)
  await give(c.user.id, 'Mythical', 3);
  await touch(c.p, c.user);
  const rc = await c.p.get('/api/leaderboard/rarity');
  const cScore = await rarityOf(c.user);
  assert.deepEqual(rc.json.me, { rank: (await expected()).findIndex((e) => e.id === c.user.id) + 1, score: cScore });
  assert.deepEqual(rc.json.entries, r.json.entries, 'the top 100 is served from the cache');
  const ttl = Number(await redis(LB_REDIS, 'TTL', 'leaderboard:{lb}:cache:rarity:all'));
  assert.ok(ttl > 0 && ttl <= 60, `cache TTL ${ttl}`);
  await redis(LB_REDIS, 'DEL', 'leaderboard:{lb}:cache:rarity:all');
  const fresh = await api(srv.url, '/api/leaderboard/rarity');
  assert.deepEqual(fresh.json.entries,
    (await expected()).slice(0, 100).map((e, i) => ({ rank: i + 1, username: e.username, score: e.score })));
  assert.ok(fresh.json.entries.some((e) => e.username === c.name && e.score === cScore));

  // weekly: the creatures were first found this week, so they count there too
  const wk = await c.p.get('/api/leaderboard/rarity?period=week');
  assert.equal(wk.json.week, isoWeek(Date.now()));
  assert.equal(wk.json.me.score, cScore);
  // the team board agrees with the team endpoint
  const team = await c.p.get('/api/user/team');
  const tb = await c.p.get('/api/leaderboard/team');
  assert.equal(Math.round(tb.json.me.score * 100), Math.round(team.json.score * 100));
});

test('rebuild from PostgreSQL equals the live boards; the worker rebuilds a flushed Redis', async (t) => {
  const snapshot = async () => {
    const out = {};
    for (const k of KEYS) out[k] = await redis(LB_REDIS, 'ZRANGE', k, '0', '-1', 'WITHSCORES');
    return out;
  };
  const live = await snapshot();
  assert.ok(live['leaderboard:{lb}:rarity:weekly'].length > 0 && live['leaderboard:{lb}:team:weekly'].length > 0);
  await redis(LB_REDIS, 'FLUSHDB');
  const w = await startWorker({ env: { REDIS_URL: LB_REDIS }, t, readyLog: /worker.*running/ });
  await until(async () => (await redis(LB_REDIS, 'EXISTS', 'leaderboard:{lb}:meta:built')) === '1', 20000,
    'the worker to rebuild');
  await w.stop(); // SIGTERM: clean exit 0 (checked by stop)
  assert.deepEqual(await snapshot(), live);
  assert.equal(await redis(LB_REDIS, 'GET', 'leaderboard:{lb}:meta:week'), isoWeek(Date.now()));
  assert.equal(await redis(LB_REDIS, 'EXISTS', 'leaderboard:{lb}:meta:rebuilding'), '0');
  assert.equal(await redis(LB_REDIS, 'TTL', 'leaderboard:{lb}:global:weekly'), '-1', 'no TTL: never evicted');
  // and the command gives the same boards again
  const rb = await runChatlings(['admin', 'rebuild-leaderboards'], { env: { REDIS_URL: LB_REDIS } });
  assert.equal(rb.code, 0, rb.stderr);
  assert.deepEqual(await snapshot(), live);
});

test('weekly boards roll over at Monday 00:00 UTC; the finished week is archived and readable', async (t) => {
  // the next Monday 00:00 UTC, and clocks one minute before and a few seconds after it
  const now = Date.now();
  const d = new Date(now);
  const monday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + ((8 - d.getUTCDay()) % 7 || 7));
  const before = String(Math.floor((monday - 60000 - now) / 1000));
  const after = String(Math.ceil((monday + 3000 - now) / 1000));
  const oldWeek = isoWeek(monday - 1);
  const newWeek = isoWeek(monday);
  const nextWeek = isoWeek(monday + 7 * 86400000);
  const iso = (ms) => new Date(ms).toISOString();

  const s1 = await startOwnServer({ ...QUIET, REDIS_URL: ROLL_REDIS, CHATLINGS_CLOCK_OFFSET_S: before }, { t });
  const env1 = { REDIS_URL: ROLL_REDIS, CHATLINGS_CLOCK_OFFSET_S: before };
  assert.equal((await runChatlings(['admin', 'rebuild-leaderboards'], { env: env1 })).code, 0);
  assert.equal(await redis(ROLL_REDIS, 'GET', 'leaderboard:{lb}:meta:week'), oldWeek);

  const { p, user, name } = await signedIn(s1, uname('roll'));
  await psql(`INSERT INTO user_achievements (user_id, achievement_id, progress, unlocked_at) VALUES
    ('${user.id}', 'own_epic', 1, '${iso(monday - 7200000)}'), ('${user.id}', 'collect_10', 10, '${iso(monday - 3600000)}')
    ON CONFLICT (user_id, achievement_id) DO UPDATE SET unlocked_at = EXCLUDED.unlocked_at`);
  await touch(p, user);
  const weekPoints = Number(await psqlValue(`SELECT coalesce(sum(a.points), 0) FROM user_achievements ua
    JOIN achievements a ON a.id = ua.achievement_id WHERE ua.user_id = '${user.id}'
    AND ua.unlocked_at >= '${iso(monday - 7 * 86400000)}' AND ua.unlocked_at < '${iso(monday)}'`));
  assert.ok(weekPoints >= 50);
  const w1 = await p.get('/api/leaderboard/achievements?period=week');
  assert.equal(w1.json.week, oldWeek);
  assert.equal(w1.json.me.score, weekPoints);
  assert.equal(await redis(ROLL_REDIS, 'ZSCORE', 'leaderboard:{lb}:global:weekly', user.id), String(weekPoints));

  // a minute before midnight nothing rolls over
  const early = await runChatlings(['admin', 'rollover-leaderboards'], { env: env1 });
  assert.equal(early.code, 0, early.stderr);
  assert.match(early.stdout, /nothing to roll over/);
  assert.equal(await redis(ROLL_REDIS, 'GET', 'leaderboard:{lb}:meta:week'), oldWeek);
  await s1.stop();

  // just after midnight the worker rolls the week over
  const w = await startWorker({ env: { REDIS_URL: ROLL_REDIS, CHATLINGS_CLOCK_OFFSET_S: after }, t,
    readyLog: /worker.*running/ });
  await until(async () => (await redis(ROLL_REDIS, 'GET', 'leaderboard:{lb}:meta:week')) === newWeek, 20000, 'rollover');
  await until(async () => (await psqlValue(`SELECT count(*) FROM leaderboard_archive
    WHERE board = 'achievements' AND week = '${oldWeek}' AND user_id = '${user.id}'`)) === '1', 20000, 'archive');
  await until(async () => (await redis(ROLL_REDIS, 'SCARD', 'leaderboard:{lb}:meta:archive_pending')) === '0', 20000,
    'archive to finish');
  await w.stop();
  assert.equal(await redis(ROLL_REDIS, 'EXISTS', 'leaderboard:{lb}:archive:global:' + oldWeek), '0');
  assert.equal(await redis(ROLL_REDIS, 'ZSCORE', 'leaderboard:{lb}:global:weekly', user.id), '');

  const s2 = await startOwnServer({ ...QUIET, REDIS_URL: ROLL_REDIS, CHATLINGS_CLOCK_OFFSET_S: after }, { t });
  const via = (path, init = {}) => api(s2.url, path, { ...init, headers: { cookie: p.c.cookie(), origin: s2.origin,
    'x-csrf-token': p.csrf, ...(init.headers || {}) } });
  const live = await via('/api/leaderboard/achievements?period=week');
  assert.equal(live.status, 200, live.text);
  assert.equal(live.json.week, newWeek);
  assert.equal(live.json.archived, false);
  assert.deepEqual(live.json.me, { rank: null, score: 0 });

  const arch = await via(`/api/leaderboard/achievements?period=week&week=${oldWeek}`);
  assert.equal(arch.status, 200, arch.text);
  assert.equal(arch.json.archived, true);
  assert.equal(arch.json.week, oldWeek);
  const [[rank, score, uname2]] = await psql(`SELECT rank, score, username FROM leaderboard_archive
    WHERE board = 'achievements' AND week = '${oldWeek}' AND user_id = '${user.id}'`);
  assert.equal(uname2, name);
  assert.equal(Number(score), weekPoints);
  assert.deepEqual(arch.json.me, { rank: Number(rank), score: weekPoints });
  const ranks = arch.json.entries.map((e) => e.rank);
  assert.deepEqual(ranks, ranks.map((_, i) => i + 1));
  if (Number(rank) <= 100) assert.ok(arch.json.entries.some((e) => e.username === name && e.score === weekPoints));
  for (const e of arch.json.entries) assert.deepEqual(Object.keys(e).sort(), ['rank', 'score', 'username']);
  // the archived rows are the board as it stood: ranks by score, ties by id
  const bad = await psqlValue(`SELECT count(*) FROM leaderboard_archive a JOIN leaderboard_archive b
    ON a.board = b.board AND a.week = b.week AND b.rank = a.rank + 1
    WHERE a.week = '${oldWeek}' AND (a.score < b.score OR (a.score = b.score AND a.user_id < b.user_id))`);
  assert.equal(bad, '0');

  // what is earned in the new week counts there
  await psql(`INSERT INTO user_achievements (user_id, achievement_id, progress, unlocked_at)
    VALUES ('${user.id}', 'own_legendary', 1, '${iso(monday + 60000)}')
    ON CONFLICT (user_id, achievement_id) DO UPDATE SET unlocked_at = EXCLUDED.unlocked_at`);
  const put = await via('/api/user/team', { method: 'PUT', body: { creature_ids: [user.current_creature.id] } });
  assert.equal(put.status, 200, put.text);
  const live2 = await via('/api/leaderboard/achievements?period=week');
  const newPoints = Number(await psqlValue(`SELECT coalesce(sum(a.points), 0) FROM user_achievements ua
    JOIN achievements a ON a.id = ua.achievement_id WHERE ua.user_id = '${user.id}'
    AND ua.unlocked_at >= '${iso(monday)}' AND ua.unlocked_at < '${iso(monday + 7 * 86400000)}'`));
  assert.ok(newPoints >= 50);
  assert.equal(live2.json.me.score, newPoints);
  const team = await via('/api/leaderboard/team?period=week');
  assert.equal(team.json.me.rank > 0, true, 'the team fielded this week is on the weekly team board');
  assertError(await via(`/api/leaderboard/achievements?period=week&week=${nextWeek}`), 404, 'not_found');
  // all-time is not affected by the rollover
  const allPts = Number(await psqlValue(`SELECT sum(a.points) FROM user_achievements ua
    JOIN achievements a ON a.id = ua.achievement_id WHERE ua.user_id = '${user.id}' AND ua.unlocked_at IS NOT NULL`));
  assert.equal((await via('/api/leaderboard/achievements')).json.me.score, allPts);
  // deleting the account forgets the archived rows too (usernames are personal data)
  const del = await via('/api/user/me', { method: 'DELETE' });
  assert.equal(del.status, 200, del.text);
  assert.equal(await psqlValue(`SELECT count(*) FROM leaderboard_archive WHERE user_id = '${user.id}'`), '0');
  await s2.stop();
});

test('CHATLINGS_CLOCK_OFFSET_S is refused in production', async () => {
  const prod = {
    CHATLINGS_ENV: 'production',
    CHATLINGS_SESSION_SECRET: 'x'.repeat(40),
    CHATLINGS_TOKEN_KEY: Buffer.alloc(32, 7).toString('base64'),
    CHATLINGS_PUBLIC_URL: 'https://chatlings.example',
  };
  const ok = await runChatlings(['config'], { env: prod });
  assert.equal(ok.code, 0, ok.stderr);
  assert.doesNotMatch(ok.stdout, /CLOCK_OFFSET/);
  const refused = await runChatlings(['config'], { env: { ...prod, CHATLINGS_CLOCK_OFFSET_S: '604800' } });
  assert.equal(refused.code, 78);
  assert.match(refused.stderr, /CHATLINGS_CLOCK_OFFSET_S is for development only/);
  const dev = await runChatlings(['config'], { env: { CHATLINGS_CLOCK_OFFSET_S: '604800' } });
  assert.equal(dev.code, 0);
  assert.match(dev.stdout, /CHATLINGS_CLOCK_OFFSET_S=604800/);
});
