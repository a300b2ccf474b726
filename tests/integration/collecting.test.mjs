// The collecting game, black-box: collection and stats, the current chatling, the daily mystery
// box (rolling 24 h, concurrent claims), the shop (atomic purchases, concurrent spending), wild
// encounters, achievements, notifications and cache invalidation. The daily visitor has its own
// file (visitor.test.mjs). The server here runs with CHATLINGS_VISITOR_ONE_IN=0 so that a
// visitor never adds a creature behind a test's back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { api, psql, psqlValue, TEST_REDIS_URL } from './harness.mjs';
import { startOwnServer, signedIn, assertError } from './players.mjs';

let srv;
const execFileP = promisify(execFile);
const redis = async (...args) => (await execFileP('redis-cli', ['-u', TEST_REDIS_URL, ...args])).stdout.trim();

before(async () => {
  srv = await startOwnServer({ CHATLINGS_VISITOR_ONE_IN: '0' });
});
after(async () => { await srv?.stop(); });

const RARITIES = ['Common', 'Uncommon', 'Rare', 'Epic', 'Legendary', 'Mythical'];
const TRAITS = ['friendliness', 'playfulness', 'creativity', 'empathy', 'energy', 'confidence', 'humor', 'curiosity'];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const round1 = (x) => Math.sign(x) * Math.round(Math.abs(x) * 10) / 10;

function checkScores(c) {
  assert.deepEqual(Object.keys(c.traits), TRAITS);
  const t = c.traits;
  assert.equal(c.scores.ability, round1((t.creativity + t.curiosity) / 2));
  assert.equal(c.scores.strength, round1((t.energy + t.confidence) / 2));
  assert.equal(c.scores.affection, round1((t.friendliness + t.empathy) / 2));
  assert.equal(c.scores.uniqueness, round1((t.playfulness + t.humor) / 2));
  assert.equal(c.scores.overall, round1(TRAITS.reduce((s, k) => s + t[k], 0) / 8));
}

/** Gives the player `n` more active creatures (directly in the database, before any read). */
async function giveCreatures(userId, n, where = 'true') {
  await psql(`INSERT INTO user_collections (user_id, creature_id, source, first_found_at)
    SELECT '${userId}', id, 'admin', now() - (row_number() OVER (ORDER BY seq)) * interval '1 minute'
    FROM (SELECT id, seq FROM creatures c WHERE is_active AND deleted_at IS NULL AND ${where}
          AND NOT EXISTS (SELECT 1 FROM user_collections WHERE user_id = '${userId}' AND creature_id = c.id)
          ORDER BY seq LIMIT ${n}) x
    ON CONFLICT DO NOTHING`);
}

const SESSION_ROUTES = [
  ['GET', '/api/user/collection'], ['GET', '/api/user/stats'], ['PUT', '/api/user/current-chatling'],
  ['GET', '/api/daily-box/status'], ['POST', '/api/daily-box/claim'], ['GET', '/api/daily-visitor'],
  ['GET', '/api/encounters/current'], ['POST', '/api/encounters/meet'], ['GET', '/api/shop/items'],
  ['POST', '/api/shop/purchase'], ['GET', '/api/user/achievements'], ['GET', '/api/user/notifications'],
  ['POST', '/api/user/notifications/read'],
];

test('every collecting route needs a session (401)', async () => {
  for (const [method, p] of SESSION_ROUTES) {
    const r = await api(srv.url, p, {
      method, headers: { origin: srv.origin }, ...(method === 'GET' ? {} : { body: {} }),
    });
    assertError(r, 401, 'unauthorized');
  }
});

test('collection: the starter with its traits and derived scores; stats', async () => {
  const { p, user } = await signedIn(srv);
  const r = await p.get('/api/user/collection');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.total, 1);
  assert.equal(r.json.page, 1);
  assert.equal(r.json.sort, 'first_found');
  assert.equal(r.json.order, 'asc');
  const [c] = r.json.collection;
  assert.equal(c.id, user.current_creature.id);
  for (const k of ['name', 'short_name', 'body_type', 'rarity', 'colour_scheme']) assert.equal(c[k], user.current_creature[k]);
  assert.equal(c.found_count, 1);
  assert.equal(c.rizz, 1);
  assert.equal(c.glow, 0);
  assert.equal(c.mood, 'neutral');
  assert.equal(c.status, 'with_player');
  assert.equal(c.source, 'starter');
  assert.match(c.first_found_at, ISO);
  assert.match(c.last_found_at, ISO);
  checkScores(c);
  // the same numbers as the public catalogue shows
  const d = await api(srv.url, `/api/creature/${c.id}/details`);
  assert.deepEqual(d.json.creature.traits, c.traits);
  assert.deepEqual(d.json.creature.scores, c.scores);

  const s = await p.get('/api/user/stats');
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.unique, 1);
  assert.equal(s.json.total_found, 1);
  assert.equal(s.json.with_player, 1);
  assert.equal(s.json.runaway, 0);
  assert.deepEqual(s.json.by_rarity.map((x) => x.rarity), RARITIES);
  assert.equal(s.json.by_rarity[0].owned, 1);
  assert.deepEqual(s.json.by_source, { starter: 1 });
  assert.ok(s.json.catalogue_total >= 1900);
  assert.equal(s.json.by_rarity.reduce((a, x) => a + x.catalogue, 0), s.json.catalogue_total);
});

test('collection: filters, every sort, paging, validation', async () => {
  const { p, user } = await signedIn(srv);
  await giveCreatures(user.id, 40);
  await giveCreatures(user.id, 3, "rarity = 'Epic'");
  await psql(`UPDATE user_collections SET found_count = 14 WHERE user_id = '${user.id}'
    AND creature_id = (SELECT creature_id FROM user_collections WHERE user_id = '${user.id}' AND source = 'admin' LIMIT 1)`);
  const all = await p.get('/api/user/collection?limit=500');
  assert.equal(all.status, 200, all.text);
  const items = all.json.collection;
  assert.equal(all.json.total, 44);
  assert.equal(items.length, 44);
  assert.equal(new Set(items.map((c) => c.id)).size, 44, 'one row per creature');
  items.forEach(checkScores);
  assert.ok(items.some((c) => c.found_count === 14 && c.rizz === 10), 'rizz = min(found_count, 10)');
  // first_found ascending: oldest first
  const times = items.map((c) => c.first_found_at);
  assert.deepEqual(times, [...times].sort());

  const epic = await p.get('/api/user/collection?rarity=Epic');
  assert.equal(epic.json.total, items.filter((c) => c.rarity === 'Epic').length);
  assert.ok(epic.json.total >= 3);
  assert.ok(epic.json.collection.every((c) => c.rarity === 'Epic'));
  const bt = items[0].body_type;
  const byBody = await p.get(`/api/user/collection?body_type=${bt}`);
  assert.equal(byBody.json.total, items.filter((c) => c.body_type === bt).length);
  assert.ok(byBody.json.collection.every((c) => c.body_type === bt));
  const both = await p.get(`/api/user/collection?rarity=Epic&body_type=${bt}`);
  assert.equal(both.json.total, items.filter((c) => c.body_type === bt && c.rarity === 'Epic').length);

  const byName = (await p.get('/api/user/collection?sort=name&limit=500')).json.collection.map((c) => c.name.toLowerCase());
  assert.deepEqual(byName, [...byName].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  const byRarity = (await p.get('/api/user/collection?sort=rarity&limit=500')).json;
  assert.equal(byRarity.order, 'desc');
  const ranks = byRarity.collection.map((c) => RARITIES.indexOf(c.rarity));
  assert.deepEqual(ranks, [...ranks].sort((a, b) => b - a));
  const byOverall = (await p.get('/api/user/collection?sort=overall&limit=500')).json.collection.map((c) => c.scores.overall);
  assert.deepEqual(byOverall, [...byOverall].sort((a, b) => b - a));
  const asc = (await p.get('/api/user/collection?sort=overall&order=asc&limit=500')).json.collection.map((c) => c.scores.overall);
  assert.deepEqual(asc, [...asc].sort((a, b) => a - b));

  // paging: pages partition the whole, in order; past the end is empty but keeps the total
  const p1 = await p.get('/api/user/collection?limit=20&page=1');
  const p3 = await p.get('/api/user/collection?limit=20&page=3');
  assert.equal(p1.json.collection.length, 20);
  assert.equal(p3.json.collection.length, 4);
  assert.deepEqual(p1.json.collection.map((c) => c.id), items.slice(0, 20).map((c) => c.id));
  assert.deepEqual(p3.json.collection.map((c) => c.id), items.slice(40).map((c) => c.id));
  const past = await p.get('/api/user/collection?limit=20&page=9');
  assert.equal(past.status, 200);
  assert.deepEqual(past.json.collection, []);
  assert.equal(past.json.total, 44);

  for (const q of ['rarity=epic', 'rarity=Shiny', 'body_type=Cat', 'sort=random', 'order=up', 'page=0', 'limit=501', 'limit=x']) {
    assertError(await p.get(`/api/user/collection?${q}`), 400, 'bad_request');
  }
  const st = await p.get('/api/user/stats');
  assert.equal(st.json.unique, 44);
  assert.equal(st.json.by_rarity[3].owned >= 3, true);
  assert.equal(st.json.by_source.admin, 43);
});

test('collection cache: user:{id}:collection holds the views for 5 minutes; a write drops them', async () => {
  const { p, user } = await signedIn(srv);
  const key = `user:${user.id}:collection`;
  const first = await p.get('/api/user/collection');
  await p.get('/api/user/stats');
  const ttl = Number(await redis('TTL', key));
  assert.ok(ttl > 250 && ttl <= 300, `TTL ${ttl}`);
  assert.ok(Number(await redis('HLEN', key)) >= 3, 'a field per view (and the fill marker)');
  // a change behind the server's back is not seen: the view comes from the cache
  await psql(`UPDATE user_collections SET found_count = 5 WHERE user_id = '${user.id}'`);
  assert.deepEqual((await p.get('/api/user/collection')).json, first.json);
  // a write through the API drops every view at once
  const c = await p.post('/api/daily-box/claim');
  assert.equal(c.status, 200, c.text);
  const after = (await p.get('/api/user/collection')).json.collection;
  assert.equal(after.find((x) => x.id === user.current_creature.id).found_count, c.json.creature.id === user.current_creature.id ? 6 : 5);
  assert.equal((await p.get('/api/user/stats')).json.total_found, 6);
});

test('current chatling: owned and present only', async () => {
  const { p, user } = await signedIn(srv);
  await giveCreatures(user.id, 2);
  const mine = (await p.get('/api/user/collection')).json.collection;
  const other = mine.find((c) => c.id !== user.current_creature.id);
  await p.get('/api/user/me'); // fills the profile cache
  const r = await p.put('/api/user/current-chatling', { creature_id: other.id.toUpperCase() });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.current_creature.id, other.id);
  const me = await p.get('/api/user/me');
  assert.equal(me.json.user.current_creature.id, other.id, 'the profile cache was dropped');

  assertError(await p.put('/api/user/current-chatling', { creature_id: 'nope' }), 400, 'bad_request');
  assertError(await p.put('/api/user/current-chatling', {}), 400, 'bad_request');
  assertError(await p.put('/api/user/current-chatling', { creature_id: 7 }), 400, 'bad_request');
  const notMine = await psqlValue(`SELECT id FROM creatures WHERE id NOT IN
    (SELECT creature_id FROM user_collections WHERE user_id = '${user.id}') LIMIT 1`);
  assertError(await p.put('/api/user/current-chatling', { creature_id: notMine }), 403, 'forbidden');
  assertError(await p.put('/api/user/current-chatling', { creature_id: randomUUID() }), 403, 'forbidden');
  const third = mine.find((c) => c.id !== other.id);
  await psql(`UPDATE user_collections SET status = 'runaway', runaway_at = now()
    WHERE user_id = '${user.id}' AND creature_id = '${third.id}'`);
  assertError(await p.put('/api/user/current-chatling', { creature_id: third.id }), 409, 'conflict');
  assert.equal((await p.get('/api/user/me')).json.user.current_creature.id, other.id);
});

test('daily box: claim once per rolling 24 h, +5 motes, read-after-write everywhere', async () => {
  const { p, user } = await signedIn(srv);
  const st0 = await p.get('/api/daily-box/status');
  assert.equal(st0.status, 200, st0.text);
  assert.equal(st0.json.ready, true);
  assert.equal(st0.json.seconds_left, 0);
  assert.equal(st0.json.next_at, null);
  assert.equal(st0.json.last_claimed_at, null);
  assert.equal(st0.json.motes_reward, 5);
  assert.deepEqual(st0.json.odds, { Common: 75, Uncommon: 20, Rare: 4.2, Epic: 0.7, Legendary: 0.1, Mythical: 0 });
  // fill every cache that the claim must drop
  const before = (await p.get('/api/user/collection')).json;
  const motes0 = (await p.get('/api/user/me')).json.user.motes;
  await p.get('/api/user/stats');

  const c = await p.post('/api/daily-box/claim');
  assert.equal(c.status, 200, c.text);
  assert.ok(RARITIES.slice(0, 5).includes(c.json.creature.rarity));
  assert.equal(c.json.motes_awarded, 5);
  assert.equal(c.json.streak, 1);
  assert.match(c.json.next_at, ISO);
  const unlockedPoints = c.json.achievements.reduce((s, a) => s + a.points, 0);
  assert.equal(c.json.motes, motes0 + 5 + unlockedPoints);
  const after = (await p.get('/api/user/collection')).json;
  const owned = after.collection.find((x) => x.id === c.json.creature.id);
  assert.ok(owned, 'the collection read right after the claim shows the new creature');
  assert.equal(owned.found_count, c.json.found_count);
  assert.equal(after.total, before.total + (c.json.new ? 1 : 0));
  assert.equal((await p.get('/api/user/me')).json.user.motes, c.json.motes, 'the profile shows the new motes');
  assert.equal((await p.get('/api/user/stats')).json.total_found, 2);

  const again = await p.post('/api/daily-box/claim');
  assertError(again, 409, 'conflict');
  assert.ok(Number(again.headers.get('retry-after')) > 86000);
  const st1 = await p.get('/api/daily-box/status');
  assert.equal(st1.json.ready, false);
  assert.equal(st1.json.next_at, c.json.next_at);
  assert.ok(st1.json.seconds_left > 86000 && st1.json.seconds_left <= 86400);
  assert.equal(st1.json.streak, 1);

  const rows = await psql(`SELECT kind, creature_id, motes FROM daily_box_claims WHERE user_id = '${user.id}'`);
  assert.deepEqual(rows, [['daily', c.json.creature.id, '5']]);
  assert.equal(await psqlValue(`SELECT count(*) FROM telemetry_events WHERE user_id = '${user.id}'
    AND name = 'creature_collected' AND properties->>'source' = 'daily_box'`), '1');
  if (c.json.new) {
    assert.equal(await psqlValue(`SELECT count(*) FROM notifications WHERE user_id = '${user.id}'
      AND category = 'creature_found' AND data->>'creature_id' = '${c.json.creature.id}'`), '1');
  }

  // 25 hours later it is ready again (the rolling window, not the calendar day)
  await psql(`UPDATE users SET box_last_claimed_at = box_last_claimed_at - interval '25 hours' WHERE id = '${user.id}'`);
  assert.equal((await p.get('/api/daily-box/status')).json.ready, true);
  const c2 = await p.post('/api/daily-box/claim');
  assert.equal(c2.status, 200, c2.text);
  assert.equal(c2.json.streak, 1, 'same UTC day: the streak stays');
});

test('daily box: seven days in a row unlock the box streak achievement', async () => {
  const { p, user } = await signedIn(srv);
  await psql(`UPDATE users SET box_last_claimed_at = now() - interval '25 hours', box_streak = 6,
    box_streak_day = (now() AT TIME ZONE 'UTC')::date - 1 WHERE id = '${user.id}'`);
  assert.equal((await p.get('/api/daily-box/status')).json.streak, 6);
  const c = await p.post('/api/daily-box/claim');
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.streak, 7);
  assert.ok(c.json.achievements.some((a) => a.id === 'box_streak_7'), c.text);
  const ach = (await p.get('/api/user/achievements')).json.achievements.find((a) => a.id === 'box_streak_7');
  assert.equal(ach.unlocked, true);
  assert.equal(ach.progress, 7);
  // a gap of more than a day starts again at 1
  await psql(`UPDATE users SET box_last_claimed_at = now() - interval '25 hours',
    box_streak_day = (now() AT TIME ZONE 'UTC')::date - 3 WHERE id = '${user.id}'`);
  assert.equal((await p.get('/api/daily-box/status')).json.streak, 0);
  assert.equal((await p.post('/api/daily-box/claim')).json.streak, 1);
});

test('daily box: 50 simultaneous claims by one player, exactly one succeeds', async () => {
  const { p, user } = await signedIn(srv);
  const motes0 = Number(await psqlValue(`SELECT motes FROM users WHERE id = '${user.id}'`));
  const rs = await Promise.all(Array.from({ length: 50 }, () => p.post('/api/daily-box/claim')));
  const ok = rs.filter((r) => r.status === 200);
  assert.equal(ok.length, 1, rs.map((r) => r.status).join(','));
  for (const r of rs) if (r.status !== 200) assertError(r, 409, 'conflict');
  assert.equal(await psqlValue(`SELECT count(*) FROM daily_box_claims WHERE user_id = '${user.id}'`), '1');
  const points = ok[0].json.achievements.reduce((s, a) => s + a.points, 0);
  assert.equal(Number(await psqlValue(`SELECT motes FROM users WHERE id = '${user.id}'`)), motes0 + 5 + points);
});

test('daily box: many players claiming at once share transactions, each gets exactly one box of their own', async () => {
  // 24 players, 3 simultaneous claims each: the server combines concurrent claims into one
  // transaction per batch; every player must still see exactly one box, with its own rows,
  // motes, achievements, notification, telemetry and board score, and nobody else's.
  const players = await Promise.all(Array.from({ length: 24 }, () => signedIn(srv)));
  const ids = players.map(({ user }) => `'${user.id}'`).join(',');
  const motes0 = new Map((await psql(`SELECT id, motes FROM users WHERE id IN (${ids})`)).map(([id, m]) => [id, Number(m)]));
  const rs = await Promise.all(players.flatMap(({ p, user }) =>
    [0, 1, 2].map(async () => ({ user, r: await p.post('/api/daily-box/claim') }))));
  for (const { user, p } of players) {
    const mine = rs.filter((x) => x.user.id === user.id);
    const ok = mine.filter((x) => x.r.status === 200);
    assert.equal(ok.length, 1, mine.map((x) => `${x.r.status} ${x.r.text}`).join(' | '));
    for (const x of mine) if (x.r.status !== 200) assertError(x.r, 409, 'conflict');
    const c = ok[0].r.json;
    const claims = await psql(`SELECT creature_id, rarity, motes FROM daily_box_claims WHERE user_id = '${user.id}'`);
    assert.deepEqual(claims, [[c.creature.id, c.creature.rarity, '5']]);
    assert.equal(await psqlValue(`SELECT found_count FROM user_collections WHERE user_id = '${user.id}'
      AND creature_id = '${c.creature.id}'`), String(c.found_count));
    const points = c.achievements.reduce((s, a) => s + a.points, 0);
    assert.equal(c.motes, motes0.get(user.id) + 5 + points);
    assert.equal(Number(await psqlValue(`SELECT motes FROM users WHERE id = '${user.id}'`)), c.motes);
    assert.equal(await psqlValue(`SELECT count(*) FROM notifications WHERE user_id = '${user.id}' AND category = 'creature_found'
      AND data->>'creature_id' = '${c.creature.id}' AND data->>'source' = 'daily_box'`), c.new ? '1' : '0');
    assert.equal(await psqlValue(`SELECT count(*) FROM telemetry_events WHERE user_id = '${user.id}'
      AND name = 'creature_collected' AND properties->>'creature_id' = '${c.creature.id}'`), '1');
    for (const a of c.achievements)
      assert.equal(await psqlValue(`SELECT count(*) FROM user_achievements WHERE user_id = '${user.id}'
        AND achievement_id = '${a.id}' AND unlocked_at IS NOT NULL`), '1');
    // read-after-write: the collection, the board and the box status already show the claim
    const coll = await p.get('/api/user/collection?limit=100');
    assert.ok(coll.json.collection.some((x) => x.id === c.creature.id), coll.text);
    const unique = Number(await psqlValue(`SELECT count(*) FROM user_collections WHERE user_id = '${user.id}'`));
    assert.equal((await p.get('/api/leaderboard/collection')).json.me.score, unique);
    assert.equal((await p.get('/api/daily-box/status')).json.ready, false);
  }
  assert.equal(await psqlValue(`SELECT count(*) FROM daily_box_claims WHERE user_id IN (${ids})`), '24');
});

test('daily box: a rarity without active creatures gives way to another; none at all is a 503 that loses nothing', async () => {
  const players = await Promise.all(Array.from({ length: 8 }, () => signedIn(srv)));
  const empty = await signedIn(srv);
  // Only the Legendaries stay active: every box (by the odds mostly a Common) falls back to them.
  const off = (await psql(`UPDATE creatures SET is_active = false WHERE is_active AND rarity <> 'Legendary'
    RETURNING id`)).map(([id]) => id);
  let legendaries = [];
  try {
    const rs = await Promise.all(players.map(({ p }) => p.post('/api/daily-box/claim')));
    for (const r of rs) {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.creature.rarity, 'Legendary');
    }
    legendaries = (await psql(`UPDATE creatures SET is_active = false WHERE is_active RETURNING id`)).map(([id]) => id);
    assertError(await empty.p.post('/api/daily-box/claim'), 503, 'unavailable');
    assert.equal(await psqlValue(`SELECT count(*) FROM daily_box_claims WHERE user_id = '${empty.user.id}'`), '0');
    assert.equal((await empty.p.get('/api/daily-box/status')).json.ready, true);
  } finally {
    const back = [...off, ...legendaries].map((id) => `'${id}'`).join(',');
    if (back) await psql(`UPDATE creatures SET is_active = true WHERE id IN (${back})`);
  }
  assert.equal((await empty.p.post('/api/daily-box/claim')).status, 200);
});

test('shop: items, validation, an atomic purchase that never overdraws', async () => {
  const { p, user } = await signedIn(srv);
  const items = await p.get('/api/shop/items');
  assert.equal(items.status, 200, items.text);
  assert.deepEqual(items.json.items.map((i) => [i.id, i.price]),
    [['avatar_reset', 299], ['extra_box', 150], ['encounter_refresh', 50]]);
  for (const i of items.json.items) assert.equal(typeof i.name, 'string');
  const motes = items.json.motes;
  assert.equal(items.json.items[0].affordable, motes >= 299);

  assertError(await p.post('/api/shop/purchase', { item_id: 'free_motes' }), 400, 'bad_request');
  assertError(await p.post('/api/shop/purchase', {}), 400, 'bad_request');
  assertError(await p.post('/api/shop/purchase', { item_id: 5 }), 400, 'bad_request');
  assertError(await p.post('/api/shop/purchase', 'item_id=extra_box', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
  // not enough motes: refused, nothing charged
  await psql(`UPDATE users SET motes = 298 WHERE id = '${user.id}'`);
  assertError(await p.post('/api/shop/purchase', { item_id: 'avatar_reset' }), 409, 'conflict');
  assert.equal(await psqlValue(`SELECT motes FROM users WHERE id = '${user.id}'`), '298');

  await p.get('/api/user/me'); // cache the profile
  await psql(`UPDATE users SET motes = 350 WHERE id = '${user.id}'`);
  const bought = await p.post('/api/shop/purchase', { item_id: 'avatar_reset' });
  assert.equal(bought.status, 200, bought.text);
  assert.equal(bought.json.motes, 51);
  assert.equal(bought.json.avatar_reset_credits, 1);
  assert.equal((await p.get('/api/user/me')).json.user.motes, 51, 'the profile shows the spent motes');
  assert.equal(await psqlValue(`SELECT count(*) FROM purchases WHERE user_id = '${user.id}' AND item_id = 'avatar_reset' AND price = 299`), '1');
  assert.equal(await psqlValue(`SELECT count(*) FROM telemetry_events WHERE user_id = '${user.id}' AND name = 'shop_purchase'`), '1');
});

test('shop: 50 simultaneous purchases with motes for exactly one', async () => {
  const { p, user } = await signedIn(srv);
  await psql(`UPDATE users SET motes = 299 WHERE id = '${user.id}'`);
  const rs = await Promise.all(Array.from({ length: 50 }, () => p.post('/api/shop/purchase', { item_id: 'avatar_reset' })));
  assert.equal(rs.filter((r) => r.status === 200).length, 1, rs.map((r) => r.status).join(','));
  for (const r of rs) if (r.status !== 200) assertError(r, 409, 'conflict');
  assert.deepEqual(await psql(`SELECT motes, avatar_reset_credits FROM users WHERE id = '${user.id}'`), [['0', '1']]);

  // the same with a box: one box opened, the balance never below zero
  await psql(`UPDATE users SET motes = 150 WHERE id = '${user.id}'`);
  const bs = await Promise.all(Array.from({ length: 50 }, () => p.post('/api/shop/purchase', { item_id: 'extra_box' })));
  const ok = bs.filter((r) => r.status === 200);
  assert.equal(ok.length, 1, bs.map((r) => r.status).join(','));
  const points = ok[0].json.box.achievements.reduce((s, a) => s + a.points, 0);
  assert.equal(ok[0].json.motes, points);
  assert.equal(Number(await psqlValue(`SELECT motes FROM users WHERE id = '${user.id}'`)), points);
  assert.equal(await psqlValue(`SELECT count(*) FROM daily_box_claims WHERE user_id = '${user.id}' AND kind = 'extra'`), '1');
});

test('shop: the extra box opens at once and leaves the daily box timer alone', async () => {
  const { p, user } = await signedIn(srv);
  await psql(`UPDATE users SET motes = 400 WHERE id = '${user.id}'`);
  // with the daily box ready, an extra box does not use it up
  const x = await p.post('/api/shop/purchase', { item_id: 'extra_box' });
  assert.equal(x.status, 200, x.text);
  assert.ok(x.json.box.creature.id);
  assert.ok((await p.get('/api/user/collection')).json.collection.some((c) => c.id === x.json.box.creature.id));
  assert.equal((await p.get('/api/daily-box/status')).json.ready, true);
  const d = await p.post('/api/daily-box/claim');
  assert.equal(d.status, 200, d.text);
  // and after the daily claim, an extra box still opens without moving the timer
  const y = await p.post('/api/shop/purchase', { item_id: 'extra_box' });
  assert.equal(y.status, 200, y.text);
  assert.equal((await p.get('/api/daily-box/status')).json.next_at, d.json.next_at);
  assertError(await p.post('/api/daily-box/claim'), 409, 'conflict');
});

test('encounters: today\'s wild creature, meeting it, three a day, refresh', async () => {
  const { p, user } = await signedIn(srv);
  const cur = await p.get('/api/encounters/current');
  assert.equal(cur.status, 200, cur.text);
  assert.equal(cur.json.per_day, 3);
  assert.equal(cur.json.used, 0);
  assert.equal(cur.json.remaining, 3);
  assert.match(cur.json.resets_at, /T00:00:00Z$/);
  const enc = cur.json.encounter;
  assert.equal(enc.slot, 1);
  checkScores(enc.wild);
  assert.ok(RARITIES.slice(0, 5).includes(enc.wild.rarity));
  // it stays the same until met
  assert.deepEqual((await p.get('/api/encounters/current')).json.encounter, enc);

  // validation
  const mine = user.current_creature.id;
  assertError(await p.post('/api/encounters/meet', {}), 400, 'bad_request');
  assertError(await p.post('/api/encounters/meet', { creature_id: 'x' }), 400, 'bad_request');
  const notMine = await psqlValue(`SELECT id FROM creatures WHERE id NOT IN
    (SELECT creature_id FROM user_collections WHERE user_id = '${user.id}') LIMIT 1`);
  assertError(await p.post('/api/encounters/meet', { creature_id: notMine }), 403, 'forbidden');

  // refresh: a new wild creature in the same slot, 50 motes
  await psql(`UPDATE users SET motes = 100 WHERE id = '${user.id}'`);
  const rf = await p.post('/api/shop/purchase', { item_id: 'encounter_refresh' });
  assert.equal(rf.status, 200, rf.text);
  assert.equal(rf.json.motes, 50);
  assert.equal(rf.json.encounter.slot, 1);
  const cur2 = (await p.get('/api/encounters/current')).json.encounter;
  assert.equal(cur2.wild.id, rf.json.encounter.wild.id);
  assert.equal(cur2.refreshes, 1);

  // ties lose: meet the wild creature with itself (the player owns it too)
  await psql(`INSERT INTO user_collections (user_id, creature_id, source) VALUES ('${user.id}', '${cur2.wild.id}', 'admin')
    ON CONFLICT DO NOTHING`);
  const tie = await p.post('/api/encounters/meet', { creature_id: cur2.wild.id });
  assert.equal(tie.status, 200, tie.text);
  assert.equal(tie.json.result, 'lost');
  assert.equal(tie.json.wins, 0);
  assert.ok(tie.json.traits.every((t) => t.winner === 'tie' && t.player === t.wild));
  assert.equal(tie.json.collected, null);
  assert.equal(tie.json.remaining, 2);

  // two more meetings, each consistent with the creatures' real traits
  for (let i = 0; i < 2; i++) {
    const c = (await p.get('/api/encounters/current')).json;
    assert.equal(c.used, i + 1);
    const m = await p.post('/api/encounters/meet', { creature_id: mine });
    assert.equal(m.status, 200, m.text);
    await checkOutcome(m.json, mine, c.encounter.wild, user.id);
    assert.equal(m.json.remaining, 1 - i);
  }
  const done = (await p.get('/api/encounters/current')).json;
  assert.equal(done.encounter, null);
  assert.equal(done.remaining, 0);
  assertError(await p.post('/api/encounters/meet', { creature_id: mine }), 409, 'conflict');
  // nothing left to refresh: refused and not charged
  const motes = await psqlValue(`SELECT motes FROM users WHERE id = '${user.id}'`);
  assertError(await p.post('/api/shop/purchase', { item_id: 'encounter_refresh' }), 409, 'conflict');
  assert.equal(await psqlValue(`SELECT motes FROM users WHERE id = '${user.id}'`), motes);

  // an unmet wild creature of an earlier day goes away, and a new day has three again
  await psql(`UPDATE encounters SET day = day - 1 WHERE user_id = '${user.id}'`);
  const next = (await p.get('/api/encounters/current')).json;
  assert.equal(next.used, 0);
  assert.equal(next.encounter.slot, 1);
});

/** Checks a meeting's result against both creatures' traits in the database. */
async function checkOutcome(o, mineId, wild, userId) {
  const traitsOf = async (id) => (await psql(`SELECT score FROM creature_traits WHERE creature_id = '${id}' ORDER BY trait_id`)).map((r) => Number(r[0]));
  const mine = await traitsOf(mineId);
  const theirs = await traitsOf(wild.id);
  assert.equal(o.traits.length, 3);
  assert.equal(new Set(o.traits.map((t) => t.trait)).size, 3, 'three distinct traits');
  let wins = 0;
  for (const t of o.traits) {
    const k = TRAITS.indexOf(t.trait);
    assert.ok(k >= 0);
    assert.equal(t.player, mine[k]);
    assert.equal(t.wild, theirs[k]);
    assert.equal(t.winner, t.player > t.wild ? 'player' : t.player < t.wild ? 'wild' : 'tie');
    if (t.player > t.wild) wins++;
  }
  assert.equal(o.wins, wins);
  assert.equal(o.won, wins >= 2);
  assert.equal(o.result, wins >= 2 ? 'won' : 'lost');
  assert.equal(o.player_creature.id, mineId);
  assert.equal(o.wild_creature.id, wild.id);
  // the same wild creature can come up twice in a day: check the latest meeting with it
  const row = await psql(`SELECT status, traits::text, player_creature_id FROM encounters
    WHERE user_id = '${userId}' AND wild_creature_id = '${wild.id}' AND status IN ('won', 'lost')
    ORDER BY resolved_at DESC NULLS LAST, id DESC LIMIT 1`);
  assert.equal(row.length, 1);
  assert.equal(row[0][0], o.result);
  if (o.won) {
    assert.ok(o.collected.found_count >= 1);
    assert.equal(await psqlValue(`SELECT count(*) FROM user_collections WHERE user_id = '${userId}' AND creature_id = '${wild.id}'`), '1');
  } else {
    assert.equal(o.collected, null);
  }
}

test('encounters: a win brings the wild creature home (source encounter)', async () => {
  // about half of all meetings are won: a few players' days make a win practically certain
  for (let n = 0; n < 8; n++) {
    const { p, user } = await signedIn(srv);
    for (let i = 0; i < 3; i++) {
      const c = (await p.get('/api/encounters/current')).json.encounter;
      const owned = await psqlValue(`SELECT count(*) FROM user_collections WHERE user_id = '${user.id}' AND creature_id = '${c.wild.id}'`);
      const m = await p.post('/api/encounters/meet', { creature_id: user.current_creature.id });
      assert.equal(m.status, 200, m.text);
      await checkOutcome(m.json, user.current_creature.id, c.wild, user.id);
      if (m.json.won && owned === '0') {
        const row = await psql(`SELECT source, found_count FROM user_collections WHERE user_id = '${user.id}' AND creature_id = '${c.wild.id}'`);
        assert.deepEqual(row, [['encounter', '1']]);
        assert.equal(m.json.collected.new, true);
        const col = (await p.get('/api/user/collection')).json.collection;
        assert.ok(col.some((x) => x.id === c.wild.id && x.source === 'encounter'));
        return;
      }
    }
  }
  assert.fail('no encounter was won in 24 meetings');
});

test('encounters: simultaneous meetings resolve the wild creature once', async () => {
  const { p, user } = await signedIn(srv);
  await p.get('/api/encounters/current');
  const rs = await Promise.all(Array.from({ length: 10 }, () => p.post('/api/encounters/meet', { creature_id: user.current_creature.id })));
  assert.equal(rs.filter((r) => r.status === 200).length, 1, rs.map((r) => r.status).join(','));
  for (const r of rs) if (r.status !== 200) assertError(r, 409, 'conflict');
  assert.equal(await psqlValue(`SELECT count(*) FROM encounters WHERE user_id = '${user.id}' AND status IN ('won', 'lost')`), '1');
  // and simultaneous looks create one wild creature, not several
  const looks = await Promise.all(Array.from({ length: 10 }, () => p.get('/api/encounters/current')));
  assert.ok(looks.every((r) => r.status === 200));
  assert.equal(new Set(looks.map((r) => r.json.encounter.id)).size, 1);
  assert.equal(await psqlValue(`SELECT count(*) FROM encounters WHERE user_id = '${user.id}' AND status = 'open'`), '1');
});

test('mixed simultaneous writes by one player queue up: no deadlock, no 500', async () => {
  const { p, user } = await signedIn(srv);
  await psql(`UPDATE users SET motes = 5000 WHERE id = '${user.id}'`);
  await p.get('/api/encounters/current');
  const mine = user.current_creature.id;
  const reqs = [];
  for (let i = 0; i < 8; i++) {
    reqs.push(p.post('/api/daily-box/claim'));
    reqs.push(p.post('/api/shop/purchase', { item_id: 'extra_box' }));
    reqs.push(p.post('/api/shop/purchase', { item_id: 'encounter_refresh' }));
    reqs.push(p.post('/api/encounters/meet', { creature_id: mine }));
    reqs.push(p.get('/api/encounters/current'));
  }
  const rs = await Promise.all(reqs);
  for (const r of rs) assert.ok(r.status === 200 || r.status === 409, `${r.status} ${r.text}`);
  assert.ok(!/deadlock/i.test(srv.logs()), 'no deadlock in the log');
  assert.ok(Number(await psqlValue(`SELECT motes FROM users WHERE id = '${user.id}'`)) >= 0);
  assert.equal(await psqlValue(`SELECT count(*) FROM daily_box_claims WHERE user_id = '${user.id}' AND kind = 'daily'`), '1');
});

test('achievements: all listed with progress; collect_1 at sign-up; idempotent unlocks', async () => {
  const { p, user } = await signedIn(srv);
  const r = await p.get('/api/user/achievements');
  assert.equal(r.status, 200, r.text);
  const byId = Object.fromEntries(r.json.achievements.map((a) => [a.id, a]));
  for (const id of ['collect_1', 'collect_10', 'collect_50', 'collect_100', 'collect_500', 'own_epic', 'own_legendary',
    'own_mythical', 'login_streak_3', 'login_streak_7', 'login_streak_30', 'youtube_1', 'youtube_10', 'youtube_100',
    'box_streak_7', 'encounter_wins_10', 'recover_runaway']) {
    assert.ok(byId[id], `achievement ${id}`);
    assert.ok(byId[id].points > 0);
    for (const k of ['name', 'description', 'category']) assert.equal(typeof byId[id][k], 'string');
  }
  assert.equal(byId.collect_1.unlocked, true);
  assert.match(byId.collect_1.unlocked_at, ISO);
  assert.equal(byId.collect_1.progress, 1);
  assert.equal(byId.collect_10.unlocked, false);
  assert.equal(byId.collect_10.unlocked_at, null);
  assert.equal(byId.collect_10.progress, 1);
  assert.equal(byId.collect_10.threshold, 10);
  assert.equal(r.json.points, byId.collect_1.points);
  assert.equal(user.motes, 100 + byId.collect_1.points, 'players start with 100 motes, plus what collect_1 paid');

  // reaching 10: the next find unlocks collect_10 (and own_epic with an Epic) exactly once
  await giveCreatures(user.id, 8, "rarity = 'Common'");
  await giveCreatures(user.id, 1, "rarity = 'Epic'");
  const motes0 = Number(await psqlValue(`SELECT motes FROM users WHERE id = '${user.id}'`));
  assert.equal((await p.get('/api/user/achievements')).json.achievements.find((a) => a.id === 'collect_10').progress, 10);
  const c = await p.post('/api/daily-box/claim');
  assert.equal(c.status, 200, c.text);
  const got = c.json.achievements.map((a) => a.id).sort();
  if (c.json.new) assert.ok(got.includes('collect_10') && got.includes('own_epic'), c.text);
  const paid = c.json.achievements.reduce((s, a) => s + a.points, 0);
  assert.equal(Number(await psqlValue(`SELECT motes FROM users WHERE id = '${user.id}'`)), motes0 + 5 + paid);
  for (const id of got) {
    assert.equal(await psqlValue(`SELECT count(*) FROM notifications WHERE user_id = '${user.id}'
      AND category = 'achievement' AND data->>'achievement_id' = '${id}'`), '1');
    assert.equal(await psqlValue(`SELECT count(*) FROM telemetry_events WHERE user_id = '${user.id}'
      AND name = 'achievement_unlocked' AND properties->>'achievement_id' = '${id}'`), '1');
  }
  assert.ok(srv.logs().includes('"name":"achievement_unlocked"'), 'a JSON log line per unlock');
  assert.ok(srv.logs().includes('"name":"creature_collected"'));
});

test('notifications: newest first, unread count, mark some or all read, own only', async () => {
  const a = await signedIn(srv);
  const b = await signedIn(srv);
  await psql(`INSERT INTO notifications (user_id, category, title, body, created_at, data)
    SELECT '${a.user.id}', 'system', 'note ' || g, '<b>hi</b>', now() + g * interval '1 second',
      jsonb_build_object('video', '<i>v</i> & w') FROM generate_series(1, 25) g`);
  const l = await a.p.get('/api/user/notifications');
  assert.equal(l.status, 200, l.text);
  const total = l.json.total;
  assert.ok(total >= 27); // the starter find, collect_1, and the 25 above
  assert.equal(l.json.unread, total);
  assert.equal(l.json.notifications.length, 20);
  assert.equal(l.json.notifications[0].title, 'note 25');
  const times = l.json.notifications.map((n) => n.created_at);
  assert.deepEqual(times, [...times].sort().reverse());
  const n0 = l.json.notifications[0];
  assert.equal(n0.body, '<b>hi</b>');
  assert.ok(!l.text.includes('<b>'), 'markup escaped in the JSON text');
  assert.equal(n0.read_at, null);
  assert.deepEqual(n0.data, { video: '<i>v</i> & w' });
  assert.ok(!l.text.includes('<i>') && !l.text.includes(' & '), 'data escaped too');
  const page2 = await a.p.get('/api/user/notifications?page=2&limit=20');
  assert.equal(page2.json.notifications.length, total - 20);

  const ids = l.json.notifications.slice(0, 3).map((n) => n.id);
  const theirs = (await b.p.get('/api/user/notifications')).json.notifications[0].id;
  const m = await a.p.post('/api/user/notifications/read', { ids: [...ids, theirs, 999999999] });
  assert.equal(m.status, 200, m.text);
  assert.deepEqual(m.json, { marked: 3, unread: total - 3 });
  assert.equal((await b.p.get('/api/user/notifications')).json.unread >= 1, true, "another player's stay unread");
  assert.equal(await psqlValue(`SELECT read_at IS NULL FROM notifications WHERE id = ${theirs}`), 't');
  const l2 = await a.p.get('/api/user/notifications?limit=3');
  assert.ok(l2.json.notifications.every((n) => ISO.test(n.read_at)));
  assert.equal(l2.json.unread, total - 3);
  const unread = await a.p.get('/api/user/notifications?unread=1&limit=100');
  assert.equal(unread.json.total, total - 3);
  assert.ok(unread.json.notifications.every((n) => n.read_at === null));
  // again: already read, nothing marked
  assert.deepEqual((await a.p.post('/api/user/notifications/read', { ids })).json, { marked: 0, unread: total - 3 });
  assert.deepEqual((await a.p.post('/api/user/notifications/read', { all: true })).json, { marked: total - 3, unread: 0 });

  for (const body of [{}, { ids: 'x' }, { ids: [1, -2] }, { ids: [1.5] }, { ids: ['1'] }, { all: 'yes' },
    { ids: Array.from({ length: 501 }, (_, i) => i + 1) }]) {
    assertError(await a.p.post('/api/user/notifications/read', body), 400, 'bad_request');
  }
  assertError(await a.p.get('/api/user/notifications?limit=1000'), 400, 'bad_request');
});
