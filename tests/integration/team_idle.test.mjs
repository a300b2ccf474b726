// Team and idle game, black-box: team validation (shape, not owned, runaway), slot 1 following
// the current chatling, the team score against the formula and the leaderboard; the idle game's
// purchases, managers and earnings across time (servers started with CHATLINGS_CLOCK_OFFSET_S),
// the 8-hour cap, and forged client input being ignored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, psql, psqlValue } from './harness.mjs';
import { startOwnServer, uname, signedIn, assertError } from './players.mjs';

// No daily visitor joining mid-test (it would add a creature to a player under test).
const QUIET = { CHATLINGS_VISITOR_ONE_IN: '0' };
let srv;
before(async () => { srv = await startOwnServer(QUIET); });
after(async () => { await srv?.stop(); });

const MULT = { Common: 10, Uncommon: 12, Rare: 15, Epic: 20, Legendary: 30, Mythical: 50 }; // tenths

/** n creatures of a rarity the user does not own yet, added to the collection. */
async function give(userId, rarity, n, extra = '') {
  const rows = await psql(`INSERT INTO user_collections (user_id, creature_id, source${extra ? ', found_count' : ''})
    SELECT '${userId}', id, 'admin'${extra ? `, ${extra}` : ''} FROM creatures c
    WHERE rarity = '${rarity}' AND is_active AND deleted_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM user_collections x WHERE x.user_id = '${userId}' AND x.creature_id = c.id)
    ORDER BY random() LIMIT ${n} RETURNING creature_id`);
  assert.equal(rows.length, n, `catalogue has ${n} ${rarity} creatures to give`);
  return rows.map((r) => r[0]);
}

/** The team score of a list of creature ids by GAME.md's formula, in hundredths. */
async function expectedTeamX100(userId, ids) {
  let total = 0;
  for (const id of ids) {
    const [[sum, rarity, rizz]] = await psql(`SELECT (SELECT sum(score) FROM creature_traits WHERE creature_id = c.id),
        c.rarity, uc.rizz FROM creatures c JOIN user_collections uc ON uc.creature_id = c.id AND uc.user_id = '${userId}'
        WHERE c.id = '${id}'`);
    const overallTenths = Math.floor((Number(sum) * 10 + 4) / 8); // mean of 8, half up, 1 decimal
    total += overallTenths * MULT[rarity] + 200 * Number(rizz);
  }
  return total;
}
const x100 = (n) => Math.round(n * 100);

/** The same player (cookie, CSRF token) talking to another server, e.g. one with a moved clock. */
function via(server, p) {
  const headers = (body) => ({ cookie: p.c.cookie(), origin: server.origin, 'x-csrf-token': p.csrf,
    ...(body ? { 'content-type': 'application/json' } : {}) });
  const call = (method, path, body) => api(server.url, path, { method, headers: headers(body), body });
  return { get: (path) => call('GET', path), post: (path, body = {}) => call('POST', path, body) };
}

test('team: GET shows the current chatling in slot 1 and the formula score', async () => {
  const { p, user } = await signedIn(srv, uname('team'));
  const r = await p.get('/api/user/team');
  assert.equal(r.status, 200, r.text);
  const starter = user.current_creature.id;
  assert.deepEqual(r.json.creature_ids, [starter]);
  assert.equal(r.json.slots.length, 5);
  assert.equal(r.json.slots[0].slot, 1);
  assert.equal(r.json.slots[0].creature.id, starter);
  assert.deepEqual(r.json.slots.slice(1).map((s) => s.creature), [null, null, null, null]);
  assert.equal(x100(r.json.score), await expectedTeamX100(user.id, [starter]));
  assert.equal(r.json.fielded_at, null);
  assertError(await api(srv.url, '/api/user/team'), 401, 'unauthorized');
});

test('team: validation — shape 400, not owned or runaway 409', async () => {
  const { p, user } = await signedIn(srv, uname('teamv'));
  const starter = user.current_creature.id;
  const [a, b, c, d, e] = await give(user.id, 'Uncommon', 5);
  const [stranger] = (await psql(`SELECT id FROM creatures WHERE id NOT IN
      (SELECT creature_id FROM user_collections WHERE user_id = '${user.id}') LIMIT 1`))[0];
  assertError(await p.put('/api/user/team', { creature_ids: [starter, a, b, c, d, e] }), 400, 'bad_request');
  assertError(await p.put('/api/user/team', { creature_ids: [a, b, a] }), 400, 'bad_request');
  assertError(await p.put('/api/user/team', { creature_ids: [a, b, a.toUpperCase()] }), 400, 'bad_request');
  assertError(await p.put('/api/user/team', { creature_ids: [] }), 400, 'bad_request');
  assertError(await p.put('/api/user/team', { creature_ids: ['not-a-uuid'] }), 400, 'bad_request');
  assertError(await p.put('/api/user/team', { creature_ids: [1, 2] }), 400, 'bad_request');
  assertError(await p.put('/api/user/team', { team: [a] }), 400, 'bad_request');
  assertError(await p.put('/api/user/team', { creature_ids: [a, stranger] }), 409, 'conflict');
  await psql(`UPDATE user_collections SET status = 'runaway', runaway_at = now()
    WHERE user_id = '${user.id}' AND creature_id = '${e}'`);
  assertError(await p.put('/api/user/team', { creature_ids: [a, e] }), 409, 'conflict');
  // nothing changed by the refusals
  assert.equal(await psqlValue(`SELECT current_creature_id FROM users WHERE id = '${user.id}'`), starter);
  assert.equal(await psqlValue(`SELECT count(*) FROM user_teams WHERE user_id = '${user.id}'`), '0');
  // without CSRF proof a PUT is refused
  const noCsrf = await p.c.put('/api/user/team', { creature_ids: [a] });
  assert.equal(noCsrf.status, 403);
});

test('team: PUT sets slot 1 as the current chatling; slot 1 follows later changes', async () => {
  const { p, user } = await signedIn(srv, uname('teamp'));
  const starter = user.current_creature.id;
  const [r1, r2] = await give(user.id, 'Rare', 2, '4');
  const [m] = await give(user.id, 'Epic', 1);
  const put = await p.put('/api/user/team', { creature_ids: [r1, starter, m, r2], score: 1e9 });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(put.json.creature_ids, [r1, starter, m, r2]);
  assert.equal(x100(put.json.score), await expectedTeamX100(user.id, [r1, starter, m, r2]));
  assert.match(put.json.fielded_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(await psqlValue(`SELECT current_creature_id FROM users WHERE id = '${user.id}'`), r1);
  const me = await p.get('/api/user/me');
  assert.equal(me.json.user.current_creature.id, r1, 'the cached profile was refreshed');

  // the team score on the leaderboard is the same number (computed by SQL there, by C here)
  const lb = await p.get('/api/leaderboard/team'); // all-time: written whether or not a worker set up the week
  assert.equal(lb.status, 200, lb.text);
  assert.equal(x100(lb.json.me.score), x100(put.json.score));

  // the current chatling changes elsewhere (here: straight in the database): slot 1 follows,
  // and the slot it came from shows empty instead of holding it twice
  await psql(`UPDATE users SET current_creature_id = '${m}' WHERE id = '${user.id}'`);
  const g = await p.get('/api/user/team');
  assert.deepEqual(g.json.slots.map((s) => s.creature?.id ?? null), [m, starter, null, r2, null]);
  assert.equal(x100(g.json.score), await expectedTeamX100(user.id, [m, starter, r2]));
  // a runaway leaves its slot empty and scores nothing
  await psql(`UPDATE user_collections SET status = 'runaway' WHERE user_id = '${user.id}' AND creature_id = '${r2}'`);
  const g2 = await p.get('/api/user/team');
  assert.deepEqual(g2.json.creature_ids, [m, starter]);
  assert.equal(x100(g2.json.score), await expectedTeamX100(user.id, [m, starter]));
});

// ---- idle game ----

async function stats(creatureId) {
  const [[a, u, s, rarity]] = await psql(`SELECT
      sum(score) FILTER (WHERE t.name IN ('Creativity','Curiosity')),
      sum(score) FILTER (WHERE t.name IN ('Playfulness','Humor')),
      sum(score) FILTER (WHERE t.name IN ('Energy','Confidence')), c.rarity
    FROM creature_traits ct JOIN trait_categories t ON t.id = ct.trait_id JOIN creatures c ON c.id = ct.creature_id
    WHERE ct.creature_id = '${creatureId}' GROUP BY c.rarity`);
  const base = Math.floor((Number(a) / 2) * (Number(u) / 2) / 200) + 1;
  const cycle = Math.max(1000, 10000 - 50 * Number(s)); // max(1, 10 − Strength/10) s
  return { base, cycle, rarity };
}

test('idle: buy, forged input ignored, atomic spending, manager', async () => {
  const { p, user } = await signedIn(srv, uname('idle'));
  const starter = user.current_creature.id;
  const st = await p.get('/api/idle-game/state');
  assert.equal(st.status, 200, st.text);
  assert.equal(st.json.affection_points, 50);
  const biz = st.json.businesses.find((x) => x.creature_id === starter);
  assert.equal(biz.creature_id, starter);
  assert.equal(biz.index, 0);
  assert.equal(biz.owned, 0);
  assert.equal(biz.next_unit_cost, 10); // floor(10 × 1.5^0 × 1 × 1.15^0), a Common
  assert.equal(biz.manager_cost, 1000);
  const { base, cycle } = await stats(starter);
  assert.equal(biz.base_revenue, base);
  assert.equal(biz.cycle_ms, cycle);

  // the client names an action and a business; every other field is ignored
  const forged = { creature_id: starter, affection_points: 1e12, owned: 99, level: 50, cost: 0, cost_paid: -5,
    has_manager: true, revenue_per_cycle: 1e9 };
  const b1 = await p.post('/api/idle-game/buy', forged);
  assert.equal(b1.status, 200, b1.text);
  assert.equal(b1.json.affection_points, 40);
  assert.equal(b1.json.action.spent, 10);
  const biz1 = b1.json.businesses.find((x) => x.creature_id === starter);
  assert.equal(biz1.owned, 1);
  assert.equal(biz1.has_manager, false);
  assert.equal(biz1.next_unit_cost, 11); // floor(10 × 1.15)
  assert.deepEqual(await psql(`SELECT w.affection_points, b.owned, b.has_manager FROM idle_wallets w
      JOIN idle_businesses b ON b.user_id = w.user_id WHERE w.user_id = '${user.id}'`), [['40', '1', 'f']]);
  const c1 = await p.post('/api/idle-game/collect', { creature_id: starter, earned: 1e9, collected: 1e9 });
  assert.equal(c1.status, 200, c1.text);
  assert.equal(c1.json.affection_points, 40, 'nothing to collect yet, whatever the body says');
  assertError(await p.post('/api/idle-game/hire', forged), 409, 'conflict'); // 1000 > 40
  assert.equal(await psqlValue(`SELECT affection_points FROM idle_wallets WHERE user_id = '${user.id}'`), '40');

  // a creature that is not the player's, a malformed id
  const [[other]] = await psql(`SELECT id FROM creatures WHERE id <> '${starter}' LIMIT 1`);
  assertError(await p.post('/api/idle-game/buy', { creature_id: other }), 404, 'not_found');
  assertError(await p.post('/api/idle-game/buy', { creature_id: 'x' }), 400, 'bad_request');
  assertError(await p.post('/api/idle-game/buy', {}), 400, 'bad_request');

  // spending is atomic: with 20 points, two concurrent 11-point purchases -> exactly one
  await psql(`UPDATE idle_wallets SET affection_points = 20 WHERE user_id = '${user.id}'`);
  const both = await Promise.all([p.post('/api/idle-game/buy', { creature_id: starter }),
    p.post('/api/idle-game/buy', { creature_id: starter })]);
  assert.deepEqual(both.map((x) => x.status).sort(), [200, 409]);
  assert.deepEqual(await psql(`SELECT w.affection_points, b.owned FROM idle_wallets w
      JOIN idle_businesses b ON b.user_id = w.user_id WHERE w.user_id = '${user.id}'`), [['9', '2']]);

  await psql(`UPDATE idle_wallets SET affection_points = 1500 WHERE user_id = '${user.id}'`);
  const h = await p.post('/api/idle-game/hire', { creature_id: starter });
  assert.equal(h.status, 200, h.text);
  assert.equal(h.json.affection_points, 500);
  const biz2 = h.json.businesses.find((x) => x.creature_id === starter);
  assert.equal(biz2.has_manager, true);
  assert.equal(biz2.manager_cost, null);
  assertError(await p.post('/api/idle-game/hire', { creature_id: starter }), 409, 'conflict');
});

test('idle: earnings across time, whole cycles, 8-hour cap, clock going back', async (t) => {
  const { p, user } = await signedIn(srv, uname('idlet'));
  const starter = user.current_creature.id;
  const { base, cycle } = await stats(starter);
  await psql(`UPDATE idle_wallets SET affection_points = 0 WHERE user_id = '${user.id}'`);
  assert.equal((await p.post('/api/idle-game/buy', { creature_id: starter })).status, 200); // creates the wallet (50)
  await psql(`UPDATE idle_wallets SET affection_points = 2000 WHERE user_id = '${user.id}'`);
  assert.equal((await p.post('/api/idle-game/hire', { creature_id: starter })).status, 200);
  const revenue = base; // 1 unit, level 0
  const last0 = Number(await psqlValue(`SELECT last_collected_ms FROM idle_businesses WHERE user_id = '${user.id}'`));
  const points0 = Number(await psqlValue(`SELECT affection_points FROM idle_wallets WHERE user_id = '${user.id}'`));

  // one hour later (a server whose clock runs an hour ahead), same player, same cookie
  const later = await startOwnServer({ ...QUIET, CHATLINGS_CLOCK_OFFSET_S: '3600' }, { t });
  const q = via(later, p);
  const s1 = await q.get('/api/idle-game/state');
  assert.equal(s1.status, 200);
  const cycles1 = Math.floor((s1.json.server_time_ms - last0) / cycle);
  assert.ok(s1.json.server_time_ms - last0 >= 3600000);
  assert.equal(s1.json.settled, cycles1 * revenue);
  assert.equal(s1.json.affection_points, points0 + cycles1 * revenue);
  const last1 = Number(await psqlValue(`SELECT last_collected_ms FROM idle_businesses WHERE user_id = '${user.id}'`));
  assert.equal(last1, last0 + cycles1 * cycle, 'the part of a cycle in progress is kept');
  // reading again at (nearly) the same moment adds nothing more than the cycles since
  const s1b = await q.get('/api/idle-game/state');
  assert.equal(s1b.json.affection_points,
    points0 + Math.floor((s1b.json.server_time_ms - last0) / cycle) * revenue);
  await later.stop();

  // three days later: capped at 8 hours of cycles
  const much = await startOwnServer({ ...QUIET, CHATLINGS_CLOCK_OFFSET_S: String(3 * 86400) }, { t });
  const s2 = (await via(much, p).get('/api/idle-game/state')).json;
  const before = s1b.json.affection_points;
  assert.equal(s2.settled, Math.floor(8 * 3600 * 1000 / cycle) * revenue);
  assert.equal(s2.affection_points, before + s2.settled);
  assert.equal(Number(await psqlValue(`SELECT last_collected_ms FROM idle_businesses WHERE user_id = '${user.id}'`)),
    s2.server_time_ms);
  await much.stop();

  // back on the normal clock the timestamp is in the future: nothing is earned, nothing breaks
  const s3 = await p.get('/api/idle-game/state');
  assert.equal(s3.json.settled, 0);
  assert.equal(s3.json.affection_points, s2.affection_points);
});

test('idle: unmanaged business pays one cycle when collected, index follows first find', async (t) => {
  const { p, user } = await signedIn(srv, uname('idleu'));
  const starter = user.current_creature.id;
  const [leg] = await give(user.id, 'Legendary', 1);
  await psql(`UPDATE user_collections SET first_found_at = now() + interval '1 minute'
    WHERE user_id = '${user.id}' AND creature_id = '${leg}'`);
  const st = await p.get('/api/idle-game/state');
  const lb = st.json.businesses.find((b) => b.creature_id === leg);
  assert.equal(lb.index, 1);
  assert.equal(lb.next_unit_cost, Math.floor(10 * 1.5 * 3)); // index 1, Legendary × 3
  assert.equal(lb.manager_cost, 2000);
  assert.equal((await p.post('/api/idle-game/buy', { creature_id: starter })).status, 200);
  const { base, cycle } = await stats(starter);
  const later = await startOwnServer({ ...QUIET, CHATLINGS_CLOCK_OFFSET_S: '7200' }, { t });
  const c = await via(later, p).post('/api/idle-game/collect', { creature_id: starter });
  await later.stop();
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.action.collected, base, 'one cycle, however long it waited');
  assert.equal(c.json.affection_points, 40 + base);
  assert.ok(cycle <= 10000);
  const again = await p.post('/api/idle-game/collect', { creature_id: starter });
  assert.equal(again.json.action.collected, 0);
});
