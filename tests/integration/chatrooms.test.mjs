// chatrooms.test.mjs: GAME.md "Chatrooms", black-box. Daily rooms open once per day (built-in
// writer, featured topics first, an LLM behind a daily cost cap with fallback); each player sees
// the thread voiced by their own chatlings, stable and never written by a GET; a reading counts
// once and moves glow, mood and the unhappy count; runaways at the 10 % edge and over many rooms;
// recovery once a day at 80/50/20 %; chat history, reports, and admin hide and mute (with their
// audit rows) over HTTP and WebSocket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { client, psql, psqlValue, runChatlings, startServer, freePort } from './harness.mjs';
import { HIGH_LIMITS, uname, signedIn, player, assertError } from './players.mjs';
import { startFakeLlm } from './fake-llm.mjs';

let srv;

before(async () => {
  const port = await freePort();
  srv = await startServer({
    listen: `127.0.0.1:${port}`,
    // no daily visitor: a player's chatlings are only those a test gives
    env: { CHATLINGS_PUBLIC_URL: `http://127.0.0.1:${port}`, CHATLINGS_RATE_LIMITS: HIGH_LIMITS, CHATLINGS_VISITOR_ONE_IN: '0' },
  });
  srv.origin = `http://127.0.0.1:${port}`;
});
after(async () => {
  await srv?.stop();
});

// ---- helpers ----

/** A past UTC day no room was opened for yet (rooms of a past day open already closed). */
async function freeDay() {
  for (;;) {
    const d = new Date(Date.UTC(1971 + Math.floor(Math.random() * 45), Math.floor(Math.random() * 12), 1 + Math.floor(Math.random() * 28)));
    const day = d.toISOString().slice(0, 10);
    if ((await psqlValue(`SELECT count(*) FROM chatrooms WHERE open_day = '${day}'`)) === '0') return day;
  }
}

async function openRooms(day, env = {}) {
  const r = await runChatlings(['admin', 'open-rooms', '--day', day], { env });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** An open room made by hand (no stored lines: the built-in writer voices it from its id). */
async function openRoom(title = 'Rainy days') {
  return psqlValue(`INSERT INTO chatrooms (title, topic) VALUES ('${title}', 'made by chatrooms.test') RETURNING id`);
}

/** Gives a player n more present chatlings (random active creatures). */
async function giveChatlings(userId, n) {
  await psql(`INSERT INTO user_collections (user_id, creature_id, source)
    SELECT '${userId}', id, 'admin' FROM creatures WHERE is_active AND deleted_at IS NULL
      AND id NOT IN (SELECT creature_id FROM user_collections WHERE user_id = '${userId}')
    ORDER BY random() LIMIT ${n}`);
}

async function chatlingStates(userId) {
  const rows = await psql(`SELECT creature_id, glow, mood, unhappy_count, status FROM user_collections WHERE user_id = '${userId}'`);
  return new Map(rows.map(([id, glow, mood, unhappy, status]) => [id, { glow: Number(glow), mood, unhappy: Number(unhappy), status }]));
}

/** Counts of every table a GET could touch. */
async function footprint(userId) {
  const [row] = await psql(`SELECT (SELECT count(*) FROM chatroom_reads),
      (SELECT count(*) FROM chat_attitudes), (SELECT count(*) FROM notifications WHERE user_id = '${userId}'),
      (SELECT count(*) FROM telemetry_events WHERE user_id = '${userId}'),
      (SELECT coalesce(sum(glow), 0) || '/' || coalesce(sum(unhappy_count), 0) || '/' || count(*) FROM user_collections WHERE user_id = '${userId}'),
      (SELECT count(*) FROM chatroom_lines), (SELECT count(*) FROM chatrooms), (SELECT count(*) FROM runaway_recoveries)`);
  return row.join(',');
}

const moodOf = (glow) => (glow >= 3 ? 'happy' : glow <= -3 ? 'unhappy' : 'neutral');
const GLOW = { positive: 2, neutral: 1, negative: -1 };

/** A browser on the admin listener (its own origin and cookie), signed in as a new admin. */
async function newAdmin() {
  const { user, name } = await signedIn(srv, uname('adm'));
  const g = await runChatlings(['admin', 'grant-admin', name]);
  assert.equal(g.code, 0, g.stderr);
  const c = client(srv.adminUrl);
  let csrf = null;
  const h = () => ({ origin: srv.adminUrl, ...(csrf ? { 'x-csrf-token': csrf } : {}) });
  const r = await c.post('/api/dev/login', { username: name }, { headers: h() });
  assert.equal(r.status, 200, r.text);
  csrf = r.json.csrf_token;
  return {
    user, name,
    get: (p) => c.get(p),
    post: (p, body = {}) => c.post(p, body, { headers: h() }),
    del: (p) => c.del(p, { headers: h() }),
  };
}

async function auditRows(target) {
  const rows = await psql(`SELECT actor_user_id, action, before::text, after::text, host(ip)
    FROM audit_log WHERE target = '${target}' ORDER BY id`);
  return rows.map(([actor, action, b, a, ip]) => ({ actor, action, before: b && JSON.parse(b), after: a && JSON.parse(a), ip }));
}

function connect(p) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/ws`, { headers: { cookie: p.c.cookie(), origin: srv.origin } });
    ws.frames = [];
    ws.on('message', (d) => ws.frames.push(JSON.parse(d.toString())));
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
  });
}

async function frame(ws, pred, what, timeoutMs = 5000) {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(20)) {
    const f = ws.frames.find(pred);
    if (f) return f;
  }
  throw new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(ws.frames).slice(0, 400)}`);
}

// ---- opening rooms ----

test('open-rooms opens a day\'s three rooms once, each with 20..40 lines of every sentiment', async () => {
  const day = await freeDay();
  const first = await openRooms(day);
  assert.equal(first.opened, 3);
  const again = await openRooms(day);
  assert.equal(again.opened, 0);
  assert.equal(again.existing, 3);
  const rooms = await psql(`SELECT r.id, r.title, r.generator, r.is_active, count(l.n), count(DISTINCT l.sentiment),
      count(DISTINCT l.body), count(DISTINCT l.speaker)
    FROM chatrooms r JOIN chatroom_lines l ON l.room_id = r.id WHERE r.open_day = '${day}' GROUP BY r.id ORDER BY r.slot`);
  assert.equal(rooms.length, 3);
  for (const [, title, generator, active, lines, sentiments, distinct, speakers] of rooms) {
    assert.equal(generator, 'builtin', title);
    assert.equal(active, 'f', 'a past day opens closed');
    assert.ok(Number(lines) >= 20 && Number(lines) <= 40, `${title}: ${lines} lines`);
    assert.equal(sentiments, '3');
    assert.equal(distinct, lines, 'no line twice');
    assert.ok(Number(speakers) >= 3);
  }
  assert.equal(new Set(rooms.map((r) => r[1])).size, 3, 'three different topics');
});

test('featured topics and videos go first; admins manage the list, with audit rows', async () => {
  const admin = await newAdmin();
  const day = await freeDay();
  const video = 'dQw4w9WgXcQ';
  const add = await admin.post('/api/admin/chat/features', { title: 'Our featured video', topic: 'Watch it first', youtube_video_id: video, open_on: day });
  assert.equal(add.status, 201, add.text);
  const id = add.json.feature.id;
  assertError(await admin.post('/api/admin/chat/features', { title: 'x', youtube_video_id: 'nope' }), 400, 'bad_request');
  assertError(await admin.post('/api/admin/chat/features', { title: '' }), 400, 'bad_request');
  const extra = await admin.post('/api/admin/chat/features', { title: 'Deleted before use', open_on: '2999-01-01' });
  assert.equal((await admin.del(`/api/admin/chat/features/${extra.json.feature.id}`)).status, 200);
  const list = await admin.get('/api/admin/chat/features');
  assert.ok(list.json.features.some((f) => f.id === id && f.used_at === null));

  const st = await openRooms(day);
  assert.equal(st.featured, 1);
  const [row] = await psql(`SELECT title, youtube_video_id, featured_by, slot FROM chatrooms WHERE open_day = '${day}' AND slot = 0`);
  assert.deepEqual(row, ['Our featured video', video, admin.user.id, '0']);
  assert.ok(await psqlValue(`SELECT used_at IS NOT NULL FROM chatroom_features WHERE id = ${id}`) === 't');
  assertError(await admin.del(`/api/admin/chat/features/${id}`), 404, 'not_found'); // used: stays on record

  const audit = await auditRows(`chatroom_feature:${id}`);
  assert.equal(audit[0].action, 'chatroom_feature_add');
  assert.equal(audit[0].actor, admin.user.id);
  assert.equal(audit[0].ip, '127.0.0.1');
  assert.equal(audit[0].after.title, 'Our featured video');
  assert.equal((await auditRows(`chatroom_feature:${extra.json.feature.id}`))[1].action, 'chatroom_feature_delete');
  // players cannot reach the admin API, on either listener
  const { p } = await signedIn(srv);
  assert.equal((await p.get('/api/admin/chat/features')).status, 404);
});

test('the LLM writes the rooms when configured, under a daily cost cap, and falls back on errors', async () => {
  const llm = await startFakeLlm({ usage: { prompt_tokens: 500, completion_tokens: 1500 } });
  const env = {
    CHATLINGS_CHAT_LLM_BASE_URL: llm.url, CHATLINGS_CHAT_LLM_MODEL: 'fake-model', CHATLINGS_CHAT_LLM_API_KEY: 'sk-test-123',
    CHATLINGS_CHAT_LLM_DAILY_COST_CAP_CENTS: '100', CHATLINGS_CHAT_LLM_PRICE_PER_MTOK_CENTS: '100',
  };
  try {
    const day = await freeDay();
    const st = await openRooms(day, env);
    assert.equal(st.llm, 3, JSON.stringify(st));
    assert.equal(llm.requests.length, 3);
    const req = llm.requests[0];
    assert.equal(req.headers.authorization, 'Bearer sk-test-123');
    assert.equal(req.body.model, 'fake-model');
    assert.match(req.body.messages[1].content, /Topic: /);
    const lines = await psql(`SELECT l.body FROM chatrooms r JOIN chatroom_lines l ON l.room_id = r.id
      WHERE r.open_day = '${day}' AND r.generator = 'llm' ORDER BY r.slot, l.n`);
    assert.equal(lines.length, 72);
    assert.match(lines[0][0], /^fake\d+ line 1: \{B\} thinks this is \[really\] something\.$/);
    // 2000 tokens x 100 cents per million = 0.2 cents a call
    assert.deepEqual(await psql(`SELECT calls, failures, prompt_tokens, completion_tokens, cost_microcents FROM chat_llm_usage WHERE day = '${day}'`),
      [['3', '0', '1500', '4500', '600000']]);

    // the cap: one call costs 2 cents, the cap is 1 cent, so one call and then the built-in writer
    const capped = await freeDay();
    const before = llm.requests.length;
    const st2 = await openRooms(capped, { ...env, CHATLINGS_CHAT_LLM_DAILY_COST_CAP_CENTS: '1', CHATLINGS_CHAT_LLM_PRICE_PER_MTOK_CENTS: '1000' });
    assert.equal(st2.llm, 1);
    assert.equal(st2.llm_capped, 2);
    assert.equal(llm.requests.length, before + 1);
    assert.deepEqual((await psql(`SELECT generator FROM chatrooms WHERE open_day = '${capped}' ORDER BY slot`)).flat(), ['llm', 'builtin', 'builtin']);

    // failures fall back to the built-in writer; refused answers are still paid for
    for (const mode of ['http500', 'not-json', 'bad-lines']) {
      llm.setMode(mode);
      const d = await freeDay();
      const s = await openRooms(d, env);
      assert.equal(s.opened, 3, mode);
      assert.equal(s.llm_failed, 3, mode);
      assert.equal(await psqlValue(`SELECT count(*) FROM chatrooms WHERE open_day = '${d}' AND generator = 'builtin'`), '3', mode);
      const [calls, failures, cost] = (await psql(`SELECT calls, failures, cost_microcents FROM chat_llm_usage WHERE day = '${d}'`))[0];
      assert.equal(calls, '3');
      assert.equal(failures, '3');
      assert.equal(cost, mode === 'http500' ? '0' : '600000', mode);
    }
  } finally {
    await llm.stop();
  }
});

// ---- the voiced thread ----

test('the voiced thread is stable per player, differs between players, and a GET never writes', async () => {
  const room = await openRoom('Rainy days');
  const ana = await signedIn(srv);
  const bob = await signedIn(srv);
  await giveChatlings(ana.user.id, 5);
  await giveChatlings(bob.user.id, 5);
  await ana.p.get('/api/user/me'); // the day's first request counts the login day: not ours to measure
  const before = await footprint(ana.user.id);
  const t1 = await ana.p.get(`/api/chatrooms/${room}`);
  assert.equal(t1.status, 200, t1.text);
  const t2 = await ana.p.get(`/api/chatrooms/${room}`);
  assert.deepEqual(t2.json, t1.json, 'the same thread twice');
  await ana.p.get('/api/chatrooms');
  await ana.p.get('/api/user/chat-attitude');
  await ana.p.get('/api/user/runaways');
  await ana.p.get(`/api/chatrooms/${room}/messages`);
  assert.equal(await footprint(ana.user.id), before, 'GETs wrote nothing');

  const t = t1.json;
  assert.equal(t.room.id, room);
  assert.equal(t.room.open, true);
  assert.equal(t.room.read_at, null);
  assert.deepEqual(t.attitude, { enthusiasm: 5, criticism: 5, humour: 5 });
  assert.ok(t.lines.length >= 20 && t.lines.length <= 40);
  assert.ok(t.speakers.length >= 3);
  const current = await psqlValue(`SELECT current_creature_id FROM users WHERE id = '${ana.user.id}'`);
  assert.equal(t.speakers[0].role, 'A');
  assert.equal(t.speakers[0].chatling.id, current, 'my current chatling is A');
  assert.equal(new Set(t.speakers.map((s) => s.chatling.id)).size, t.speakers.length, 'distinct chatlings when I have enough');
  const owned = new Set((await psql(`SELECT creature_id FROM user_collections WHERE user_id = '${ana.user.id}'`)).flat());
  for (const l of t.lines) {
    assert.ok(owned.has(l.chatling.id), 'voiced by my own chatlings');
    assert.doesNotMatch(l.text, /[{}[\]]/, 'markup resolved');
    assert.ok(['positive', 'neutral', 'negative'].includes(l.sentiment));
  }
  assert.equal(new Set(t.lines.map((l) => l.text)).size, t.lines.length, 'no line twice');

  const b = await bob.p.get(`/api/chatrooms/${room}`);
  assert.notDeepEqual(b.json.speakers.map((s) => s.chatling.id), t.speakers.map((s) => s.chatling.id));
  assert.deepEqual(b.json.lines.map((l) => l.sentiment), t.lines.map((l) => l.sentiment), 'the same conversation underneath');

  // the attitude tones the same lines
  const put = await ana.p.put('/api/user/chat-attitude', { enthusiasm: 10, criticism: 10, humour: 10 });
  assert.equal(put.status, 200, put.text);
  const loud = await ana.p.get(`/api/chatrooms/${room}`);
  const changed = loud.json.lines.filter((l, i) => l.text !== t.lines[i].text).length;
  assert.ok(changed >= 3, `only ${changed} lines changed with every slider at 10`);
  assert.ok(loud.json.lines.some((l) => l.sentiment === 'positive' && l.text.endsWith('!')));
});

test('attitude: three whole numbers from 1 to 10', async () => {
  const { p } = await signedIn(srv);
  assert.deepEqual((await p.get('/api/user/chat-attitude')).json, { enthusiasm: 5, criticism: 5, humour: 5 });
  for (const bad of [
    { enthusiasm: 0, criticism: 5, humour: 5 }, { enthusiasm: 11, criticism: 5, humour: 5 },
    { enthusiasm: 5.5, criticism: 5, humour: 5 }, { enthusiasm: '5', criticism: 5, humour: 5 },
    { enthusiasm: 5, criticism: 5 }, { enthusiasm: 5, criticism: 5, humour: 5, sarcasm: 9 },
    { enthusiasm: null, criticism: 5, humour: 5 },
  ]) assertError(await p.put('/api/user/chat-attitude', bad), 400, 'bad_request');
  assertError(await p.put('/api/user/chat-attitude', [1, 2, 3]), 400, 'bad_request');
  const ok = await p.put('/api/user/chat-attitude', { enthusiasm: 1, criticism: 10, humour: 7 });
  assert.deepEqual(ok.json, { enthusiasm: 1, criticism: 10, humour: 7 });
  assert.deepEqual((await p.get('/api/user/chat-attitude')).json, { enthusiasm: 1, criticism: 10, humour: 7 });
});

// ---- readings ----

test('a reading counts once per room: glow by its lines, mood from glow, unhappy count', async () => {
  const room = await openRoom('Sleep');
  const { p, user } = await signedIn(srv);
  await giveChatlings(user.id, 2);
  await psql(`UPDATE user_collections SET glow = -2, mood = 'neutral' WHERE user_id = '${user.id}'`);
  const thread = (await p.get(`/api/chatrooms/${room}`)).json;
  const expect = new Map();
  for (const l of thread.lines) expect.set(l.chatling.id, (expect.get(l.chatling.id) || 0) + GLOW[l.sentiment]);
  const before = await chatlingStates(user.id);

  const r = await p.post(`/api/chatrooms/${room}/read`, {}, { 'x-dev-draw': '0.5' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.counted, true);
  const after = await chatlingStates(user.id);
  for (const [id, delta] of expect) {
    const glow = Math.max(-10, Math.min(10, before.get(id).glow + delta));
    assert.equal(after.get(id).glow, glow, `glow of ${id}`);
    assert.equal(after.get(id).mood, moodOf(glow));
    assert.equal(after.get(id).unhappy, moodOf(glow) === 'unhappy' ? 1 : 0);
    const e = r.json.chatlings.find((c) => c.chatling.id === id);
    assert.equal(e.glow, glow);
    assert.equal(e.glow_change, glow - before.get(id).glow);
    assert.equal(e.lines, thread.lines.filter((l) => l.chatling.id === id).length);
  }
  // again: nothing more happens, and the answer repeats the first reading's effects
  const again = await p.post(`/api/chatrooms/${room}/read`);
  assert.equal(again.json.counted, false);
  assert.deepEqual(again.json.chatlings, r.json.chatlings);
  assert.deepEqual(await chatlingStates(user.id), after);
  assert.ok((await p.get(`/api/chatrooms/${room}`)).json.room.read_at);
  assert.ok((await p.get('/api/chatrooms?limit=100')).json.rooms.find((x) => x.id === room).read_at);

  // concurrent readings of another room: exactly one counts
  const room2 = await openRoom('Pizza');
  const all = await Promise.all(Array.from({ length: 6 }, () => p.post(`/api/chatrooms/${room2}/read`)));
  assert.deepEqual(all.map((x) => x.status), [200, 200, 200, 200, 200, 200]);
  assert.equal(all.filter((x) => x.json.counted).length, 1);
  assertError(await p.post(`/api/chatrooms/${randomUUID()}/read`), 404, 'not_found');
  assertError(await p.post('/api/chatrooms/not-a-uuid/read'), 400, 'bad_request');
});

test('runaways: at the 10 % edge, with a live notification', async () => {
  const { p, user } = await signedIn(srv);
  const cid = await psqlValue(`SELECT creature_id FROM user_collections WHERE user_id = '${user.id}'`);
  await psql(`UPDATE user_collections SET unhappy_count = 3 WHERE user_id = '${user.id}'`);
  const ws = await connect(p);
  const stays = await p.post(`/api/chatrooms/${await openRoom()}/read`, {}, { 'x-dev-draw': '0.1' });
  assert.equal(stays.json.chatlings[0].ran_away, false);
  assert.equal((await chatlingStates(user.id)).get(cid).status, 'with_player');
  const room = await openRoom();
  const goes = await p.post(`/api/chatrooms/${room}/read`, {}, { 'x-dev-draw': '0.0999' });
  assert.equal(goes.json.chatlings[0].ran_away, true);
  assert.equal((await chatlingStates(user.id)).get(cid).status, 'runaway');
  assert.equal(await psqlValue(`SELECT count(*) FROM notifications WHERE user_id = '${user.id}' AND category = 'runaway'`), '1');
  const note = await frame(ws, (f) => f.type === 'notification', 'live runaway notification');
  assert.equal(note.notification.category, 'runaway');
  assert.equal(note.notification.data.creature_id, cid);
  ws.close();
  const list = await p.get('/api/user/runaways');
  assert.equal(list.json.runaways.length, 1);
  assert.equal(list.json.runaways[0].chatling.id, cid);
  assert.deepEqual(list.json.runaways[0].next_attempt, { number: 1, percent: 80 });
  assert.equal(list.json.runaways[0].can_attempt_today, true);
  // a runaway no longer speaks in rooms
  const next = await p.get(`/api/chatrooms/${await openRoom()}`);
  assert.ok(next.json.speakers.every((s) => s.chatling === null));
});

test('runaways: about one reading in ten over many rooms', async () => {
  const { p, user } = await signedIn(srv);
  await giveChatlings(user.id, 3); // four chatlings, each unhappy three times: four draws a room
  const reset = `UPDATE user_collections SET unhappy_count = 3, status = 'with_player' WHERE user_id = '${user.id}'`;
  await psql(reset);
  const N = 40;
  const rooms = (await psql(`INSERT INTO chatrooms (title) SELECT 'Bulk room ' || g FROM generate_series(1, ${N}) g RETURNING id`)).flat();
  let ran = 0;
  let draws = 0;
  for (const room of rooms) {
    const r = await p.post(`/api/chatrooms/${room}/read`);
    assert.equal(r.status, 200, r.text);
    draws += r.json.chatlings.length;
    const gone = r.json.chatlings.filter((c) => c.ran_away).length;
    ran += gone;
    if (gone) await psql(reset);
  }
  // expected 10 %: about 16 of ~160 draws; the bounds fail about once in 10,000 runs
  assert.ok(draws >= 120, `${draws} draws`);
  assert.ok(ran >= 3 && ran <= draws * 0.25, `${ran} runaways in ${draws} draws`);
});

test('recovery: one attempt per chatling per day at 80, 50, then 20 %', async () => {
  const { p, user } = await signedIn(srv);
  await giveChatlings(user.id, 1);
  const [cid, other] = (await psql(`SELECT creature_id FROM user_collections WHERE user_id = '${user.id}' ORDER BY creature_id`)).flat();
  await psql(`UPDATE user_collections SET status = 'runaway', runaway_at = now(), unhappy_count = 4, glow = -7, mood = 'unhappy'
    WHERE user_id = '${user.id}' AND creature_id = '${cid}'`);
  const attempt = (draw) => p.post(`/api/user/runaways/${cid}/recover`, {}, { 'x-dev-draw': String(draw) });
  const yesterday = () => psql(`UPDATE runaway_recoveries SET day = day - 1 WHERE user_id = '${user.id}'`);

  let r = await attempt(0.8); // 80 % fails at 0.8
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.json.recovered, r.json.attempt, r.json.percent], [false, 1, 80]);
  assert.deepEqual([r.json.next_attempt.number, r.json.next_attempt.percent], [2, 50]);
  const again = await attempt(0.0);
  assertError(again, 409, 'conflict');
  assert.ok(Number(again.headers.get('retry-after')) > 0);
  assert.equal((await p.get('/api/user/runaways')).json.runaways[0].can_attempt_today, false);
  await yesterday();
  r = await attempt(0.5); // 50 % fails at 0.5
  assert.deepEqual([r.json.recovered, r.json.attempt, r.json.percent], [false, 2, 50]);
  await yesterday();
  r = await attempt(0.2); // 20 % fails at 0.2
  assert.deepEqual([r.json.recovered, r.json.attempt, r.json.percent], [false, 3, 20]);
  await yesterday();
  r = await attempt(0.1999); // fourth attempt: still 20 %
  assert.deepEqual([r.json.recovered, r.json.attempt, r.json.percent, r.json.status], [true, 4, 20, 'with_player']);
  assert.deepEqual(r.json.achievements.map((a) => a.id), ['recover_runaway']);
  const s = (await chatlingStates(user.id)).get(cid);
  assert.deepEqual(s, { glow: 0, mood: 'neutral', unhappy: 0, status: 'with_player' });
  assert.ok(await psqlValue(`SELECT unlocked_at IS NOT NULL FROM user_achievements WHERE user_id = '${user.id}' AND achievement_id = 'recover_runaway'`) === 't');
  assert.equal((await p.get('/api/user/runaways')).json.runaways.length, 0);

  // running away again starts over at 80 %
  await psql(`UPDATE user_collections SET status = 'runaway', runaway_at = now() + interval '1 second' WHERE user_id = '${user.id}' AND creature_id = '${cid}'`);
  await yesterday();
  await sleep(1100);
  r = await attempt(0.79);
  assert.deepEqual([r.json.recovered, r.json.attempt, r.json.percent], [true, 1, 80]);

  assertError(await p.post(`/api/user/runaways/${other}/recover`), 409, 'conflict');
  assertError(await p.post(`/api/user/runaways/${randomUUID()}/recover`), 404, 'not_found');
});

// ---- live chat over HTTP ----

test('history pages newest first by before_id; posting follows the chat rules', async () => {
  const room = await openRoom('Music');
  const ana = await signedIn(srv);
  const ids = [];
  for (let i = 1; i <= 7; i++) {
    const r = await ana.p.post(`/api/chatrooms/${room}/messages`, { text: `hello number ${i} <b>&</b>` });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.message.username, ana.user.username);
    assert.ok(r.json.message.chatling?.name);
    ids.push(r.json.message.id);
  }
  const seen = [];
  let url = `/api/chatrooms/${room}/messages?limit=3`;
  for (let pages = 0; pages < 5; pages++) {
    const r = await ana.p.get(url);
    assert.equal(r.status, 200, r.text);
    seen.push(...r.json.messages);
    if (r.json.next_before_id === null) break;
    url = `/api/chatrooms/${room}/messages?limit=3&before_id=${r.json.next_before_id}`;
  }
  assert.deepEqual(seen.map((m) => m.id), [...ids].reverse());
  assert.equal(seen[0].text, 'hello number 7 <b>&</b>');
  assert.match(seen[0].created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(seen[0].username, ana.user.username);

  assertError(await ana.p.post(`/api/chatrooms/${room}/messages`, { text: '' }), 400, 'bad_request');
  assertError(await ana.p.post(`/api/chatrooms/${room}/messages`, { text: 'x'.repeat(501) }), 400, 'bad_request');
  assertError(await ana.p.post(`/api/chatrooms/${room}/messages`, { text: 42 }), 400, 'bad_request');
  assertError(await ana.p.post(`/api/chatrooms/${room}/messages`, { text: 'what the fuck' }), 400, 'message_refused');
  assertError(await ana.p.post(`/api/chatrooms/${randomUUID()}/messages`, { text: 'hi' }), 404, 'not_found');
  const closed = await psqlValue(`INSERT INTO chatrooms (title, is_active) VALUES ('Closed', false) RETURNING id`);
  assertError(await ana.p.post(`/api/chatrooms/${closed}/messages`, { text: 'hi' }), 409, 'conflict');
  assert.equal((await ana.p.get(`/api/chatrooms/${closed}/messages`)).status, 200, 'closed rooms stay readable');
  assertError(await ana.p.get(`/api/chatrooms/${randomUUID()}/messages`), 404, 'not_found');
  assertError(await ana.p.get(`/api/chatrooms/${room}/messages?before_id=abc`), 400, 'bad_request');
});

test('the HTTP chat limit is the WebSocket one', async () => {
  const port = await freePort();
  const s = await startServer({
    listen: `127.0.0.1:${port}`,
    env: { CHATLINGS_PUBLIC_URL: `http://127.0.0.1:${port}`, CHATLINGS_RATE_LIMITS: 'signin=100000/60,write=100000/60,read=100000/60,chat=3/60' },
  });
  try {
    s.origin = `http://127.0.0.1:${port}`;
    const room = await openRoom('Music');
    const { p } = await signedIn(s);
    for (let i = 0; i < 3; i++) assert.equal((await p.post(`/api/chatrooms/${room}/messages`, { text: `line ${i}` })).status, 201);
    const r = await p.post(`/api/chatrooms/${room}/messages`, { text: 'one too many' });
    assertError(r, 429, 'rate_limited');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
  } finally {
    await s.stop();
  }
});

test('reports, admin hide (live, audited) and the reports list', async () => {
  const room = await openRoom('Books');
  const ana = await signedIn(srv);
  const bob = await signedIn(srv);
  const admin = await newAdmin();
  const m = (await ana.p.post(`/api/chatrooms/${room}/messages`, { text: 'a line to report' })).json.message;
  const keep = (await ana.p.post(`/api/chatrooms/${room}/messages`, { text: 'a line to keep' })).json.message;
  const rep = await bob.p.post(`/api/chatrooms/${room}/messages/${m.id}/report`, { reason: 'rude' });
  assert.equal(rep.status, 201, rep.text);
  assert.equal((await bob.p.post(`/api/chatrooms/${room}/messages/${m.id}/report`, { reason: 'rude' })).json.already, true);
  assertError(await ana.p.post(`/api/chatrooms/${room}/messages/${m.id}/report`, {}), 400, 'bad_request');
  assertError(await bob.p.post(`/api/chatrooms/${room}/messages/999999999999/report`, {}), 404, 'not_found');
  assertError(await bob.p.post(`/api/chatrooms/${room}/messages/${m.id}/report`, { reason: 'x'.repeat(501) }), 400, 'bad_request');

  const reports = await admin.get('/api/admin/chat/reports');
  assert.equal(reports.status, 200, reports.text);
  const mine = reports.json.reports.find((x) => x.message.id === m.id);
  assert.equal(mine.reporter, bob.user.username);
  assert.equal(mine.reason, 'rude');
  assert.equal(mine.message.text, 'a line to report');
  assert.equal(mine.message.hidden, false);

  const ws = await connect(bob.p);
  ws.send(JSON.stringify({ type: 'join', room }));
  await frame(ws, (f) => f.type === 'joined', 'joined');
  const hide = await admin.post(`/api/admin/chat/messages/${m.id}/hide`);
  assert.equal(hide.status, 200, hide.text);
  const live = await frame(ws, (f) => f.type === 'message_hidden', 'message_hidden');
  assert.deepEqual(live, { type: 'message_hidden', room, message_id: m.id });
  ws.close();
  assert.equal((await admin.post(`/api/admin/chat/messages/${m.id}/hide`)).json.already, true);
  const hist = await ana.p.get(`/api/chatrooms/${room}/messages`);
  assert.deepEqual(hist.json.messages.map((x) => x.id), [keep.id]);
  assert.ok(!(await admin.get('/api/admin/chat/reports')).json.reports.some((x) => x.message.id === m.id), 'resolved');
  assert.ok((await admin.get('/api/admin/chat/reports?all=1&limit=200')).json.reports.some((x) => x.message.id === m.id));
  const audit = await auditRows(`chat_message:${m.id}`);
  assert.equal(audit.length, 1);
  assert.deepEqual([audit[0].action, audit[0].actor, audit[0].ip], ['chat_message_hide', admin.user.id, '127.0.0.1']);
  assert.equal(audit[0].before.hidden, false);
  assert.equal(audit[0].after.hidden, true);
  assert.equal(audit[0].after.reports_resolved, 1);
  assertError(await admin.post('/api/admin/chat/messages/999999999999/hide'), 404, 'not_found');
});

test('a muted player cannot post over HTTP or WebSocket; mutes and unmutes are audited', async () => {
  const room = await openRoom('Sports');
  const ana = await signedIn(srv);
  const admin = await newAdmin();
  assertError(await admin.post('/api/admin/chat/mutes', { username: ana.name, minutes: 0 }), 400, 'bad_request');
  assertError(await admin.post('/api/admin/chat/mutes', { username: uname('nobody') }), 404, 'not_found');
  assertError(await admin.post('/api/admin/chat/mutes', {}), 400, 'bad_request');
  const mute = await admin.post('/api/admin/chat/mutes', { username: ana.name.toUpperCase(), minutes: 30, reason: 'spam' });
  assert.equal(mute.status, 200, mute.text);
  assert.equal(mute.json.mute.user_id, ana.user.id);
  assert.match(mute.json.mute.muted_until, /Z$/);
  assert.ok((await admin.get('/api/admin/chat/mutes')).json.mutes.some((x) => x.user_id === ana.user.id && x.reason === 'spam'));

  assertError(await ana.p.post(`/api/chatrooms/${room}/messages`, { text: 'can you hear me' }), 403, 'forbidden');
  const ws = await connect(ana.p);
  ws.send(JSON.stringify({ type: 'join', room }));
  await frame(ws, (f) => f.type === 'joined', 'joined');
  ws.send(JSON.stringify({ type: 'say', room, text: 'and now?', ref: 'm1' }));
  assert.equal((await frame(ws, (f) => f.ref === 'm1', 'say answer')).code, 'forbidden');
  // muting again (for good) replaces the mute; the audit row keeps what it was
  assert.equal((await admin.post('/api/admin/chat/mutes', { username: ana.name, minutes: null, reason: 'again' })).json.mute.muted_until, null);

  const un = await admin.del(`/api/admin/chat/mutes/${ana.user.id}`);
  assert.equal(un.status, 200, un.text);
  assertError(await admin.del(`/api/admin/chat/mutes/${ana.user.id}`), 404, 'not_found');
  assert.equal((await ana.p.post(`/api/chatrooms/${room}/messages`, { text: 'back again' })).status, 201);
  ws.send(JSON.stringify({ type: 'say', room, text: 'and over the socket', ref: 'm2' }));
  assert.equal((await frame(ws, (f) => f.ref === 'm2', 'say answer')).type, 'sent');
  ws.close();

  const audit = await auditRows(`user:${ana.user.id}`);
  assert.deepEqual(audit.map((a) => a.action), ['chat_mute', 'chat_mute', 'chat_unmute']);
  assert.equal(audit[0].before, null);
  assert.equal(audit[0].after.reason, 'spam');
  assert.equal(audit[1].before.reason, 'spam');
  assert.equal(audit[1].after.muted_until, null);
  assert.equal(audit[2].after, null);
  assert.ok(audit.every((a) => a.actor === admin.user.id && a.ip === '127.0.0.1'));
  // a player is refused by the admin listener's role check
  const c = client(srv.adminUrl);
  const login = await c.post('/api/dev/login', { username: ana.name }, { headers: { origin: srv.adminUrl } });
  const r = await c.post('/api/admin/chat/mutes', { username: ana.name }, { headers: { origin: srv.adminUrl, 'x-csrf-token': login.json?.csrf_token } });
  assert.ok(r.status === 401 || r.status === 403, r.text);
});

test('the room list: open rooms first, then closed ones, paged', async () => {
  const { p } = await signedIn(srv);
  const open = await openRoom('Snow days');
  const r = await p.get('/api/chatrooms?limit=5');
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.total >= r.json.open);
  assert.equal(r.json.rooms.length, Math.min(5, r.json.total));
  const all = [];
  for (let page = 1; page <= 200; page++) {
    const x = await p.get(`/api/chatrooms?limit=100&page=${page}`);
    all.push(...x.json.rooms);
    if (x.json.rooms.length < 100) break;
  }
  assert.equal(all.length, Number(r.json.total));
  const firstClosed = all.findIndex((x) => !x.open);
  assert.ok(firstClosed === -1 || all.slice(firstClosed).every((x) => !x.open), 'open rooms first');
  assert.ok(all.findIndex((x) => x.id === open) < (firstClosed === -1 ? Infinity : firstClosed));
  assertError(await p.get('/api/chatrooms?limit=0'), 400, 'bad_request');
  assertError(await p.get(`/api/chatrooms/${randomUUID()}`), 404, 'not_found');
  assert.equal((await player(srv).get('/api/chatrooms')).status, 401);
});
