// The daily visitor and the login day, black-box: on a player's first authenticated request of a
// UTC day one roll is made and recorded win or lose; it can never be made twice (not by
// simultaneous requests, not after Redis forgot its marker); the next day rolls again and counts
// the login streak. CHATLINGS_VISITOR_ONE_IN makes the 1-in-7 odds certain (1) or impossible (0)
// so that both outcomes are tested deterministically.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { psql, psqlValue, TEST_REDIS_URL } from './harness.mjs';
import { startOwnServer, signedIn } from './players.mjs';

const execFileP = promisify(execFile);
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

let always;
let never;

before(async () => {
  always = await startOwnServer({ CHATLINGS_VISITOR_ONE_IN: '1' });
  never = await startOwnServer({ CHATLINGS_VISITOR_ONE_IN: '0' });
});
after(async () => {
  await always?.stop();
  await never?.stop();
});

const today = () => new Date().toISOString().slice(0, 10);
const redisDel = (key) => execFileP('redis-cli', ['-u', TEST_REDIS_URL, 'DEL', key]);
const rolls = (id) => psqlValue(`SELECT count(*) FROM daily_visitors WHERE user_id = '${id}'`);
const visitorFinds = (id) => psqlValue(`SELECT count(*) FROM telemetry_events WHERE user_id = '${id}'
  AND name = 'creature_collected' AND properties->>'source' = 'visitor'`);

test('a visitor comes on the first request of the day and joins; the roll is recorded', async () => {
  const { p, user } = await signedIn(always);
  assert.equal(await rolls(user.id), '0', 'signing in is not yet a session request');
  const me = await p.get('/api/user/me');
  assert.equal(me.status, 200);
  const v = await p.get('/api/daily-visitor');
  assert.equal(v.status, 200, v.text);
  assert.equal(v.json.day, today());
  assert.equal(v.json.rolled, true);
  assert.equal(v.json.visited, true);
  assert.match(v.json.rolled_at, ISO);
  assert.equal(v.json.login_streak, 1);
  const c = v.json.creature;
  assert.ok(['Common', 'Uncommon', 'Rare', 'Epic', 'Legendary'].includes(c.rarity));
  for (const k of ['id', 'name', 'short_name', 'body_type', 'colour_scheme']) assert.equal(typeof c[k], 'string');
  const col = (await p.get('/api/user/collection')).json.collection;
  const got = col.find((x) => x.id === c.id);
  assert.ok(got, 'the visitor is in the collection');
  if (c.id !== user.current_creature.id) {
    assert.equal(got.source, 'visitor');
    assert.equal(await psqlValue(`SELECT count(*) FROM notifications WHERE user_id = '${user.id}'
      AND category = 'creature_found' AND data->>'source' = 'visitor'`), '1');
  }
  assert.deepEqual(await psql(`SELECT day::text, visited::text, creature_id FROM daily_visitors WHERE user_id = '${user.id}'`),
    [[today(), 'true', c.id]]);
  assert.equal(await visitorFinds(user.id), '1');

  // Redis forgets the marker: the next request looks again, and PostgreSQL says no
  await redisDel(`visitor:${user.id}:${today()}`);
  await p.get('/api/user/me');
  await p.get('/api/user/stats');
  assert.equal(await rolls(user.id), '1');
  assert.equal(await visitorFinds(user.id), '1', 'no second visitor');
  assert.deepEqual((await p.get('/api/daily-visitor')).json, v.json);
});

test('no visitor: the loss is recorded too and cannot be re-rolled', async () => {
  const { p, user } = await signedIn(never);
  const v = await p.get('/api/daily-visitor');
  assert.equal(v.status, 200, v.text);
  assert.equal(v.json.rolled, true);
  assert.equal(v.json.visited, false);
  assert.equal(v.json.creature, null);
  assert.match(v.json.rolled_at, ISO);
  assert.deepEqual(await psql(`SELECT visited::text, creature_id FROM daily_visitors WHERE user_id = '${user.id}'`),
    [['false', null]]);
  assert.equal((await p.get('/api/user/collection')).json.total, 1);
  // the same player on the generous server, with Redis's marker gone: still no second roll
  await redisDel(`visitor:${user.id}:${today()}`);
  const { p: p2 } = await signedIn(always, user.username);
  assert.equal((await p2.get('/api/daily-visitor')).json.visited, false);
  assert.equal(await rolls(user.id), '1');
  assert.equal(await visitorFinds(user.id), '0');
});

test('simultaneous first requests make exactly one roll', async () => {
  const { p, user } = await signedIn(always);
  const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => p.get(i % 2 ? '/api/user/me' : '/api/daily-box/status')));
  assert.ok(rs.every((r) => r.status === 200), rs.map((r) => r.status).join(','));
  assert.equal(await rolls(user.id), '1');
  assert.equal(await visitorFinds(user.id), '1');
});

test('the next day rolls again and counts the login streak', async () => {
  const { p, user } = await signedIn(always);
  await p.get('/api/user/me');
  assert.equal(await rolls(user.id), '1');
  // a second day, simulated: today's roll and login become yesterday's, Redis forgets
  for (let day = 2; day <= 3; day++) {
    await psql(`UPDATE daily_visitors SET day = day - 1 WHERE user_id = '${user.id}';
      UPDATE users SET last_login_day = last_login_day - 1 WHERE id = '${user.id}'`);
    await redisDel(`visitor:${user.id}:${today()}`);
    const v = await p.get('/api/daily-visitor');
    assert.equal(v.json.rolled, true);
    assert.equal(v.json.visited, true);
    assert.equal(v.json.login_streak, day);
    assert.equal(await rolls(user.id), String(day));
  }
  const ach = (await p.get('/api/user/achievements')).json.achievements;
  const s3 = ach.find((a) => a.id === 'login_streak_3');
  assert.equal(s3.unlocked, true);
  assert.equal(ach.find((a) => a.id === 'login_streak_7').progress, 3);
  assert.equal(await psqlValue(`SELECT count(*) FROM notifications WHERE user_id = '${user.id}'
    AND category = 'achievement' AND data->>'achievement_id' = 'login_streak_3'`), '1');
  // a missed day starts the streak again
  await psql(`UPDATE daily_visitors SET day = day - 10 WHERE user_id = '${user.id}' AND day = (now() AT TIME ZONE 'UTC')::date;
    UPDATE users SET last_login_day = last_login_day - 10 WHERE id = '${user.id}'`);
  await redisDel(`visitor:${user.id}:${today()}`);
  assert.equal((await p.get('/api/daily-visitor')).json.login_streak, 1);
});
