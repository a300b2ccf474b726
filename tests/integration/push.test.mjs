// push.test.mjs: Web Push end to end. The VAPID public key, registering and dropping a
// browser's subscription (validation, CSRF, ownership), per-category preferences, and delivery:
// a notification made by the game (the daily box) reaches a subscribed "browser" through the
// worker and our own push service (fake-push.mjs), which checks the VAPID JWT and decrypts the
// RFC 8291 body. A push service's 410 removes the subscription; a refused category is not sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, psql, psqlValue, startWorker } from './harness.mjs';
import { assertError, signedIn, startOwnServer, uname } from './players.mjs';
import { makeSubscriber, startFakePush, verifyVapid } from './fake-push.mjs';

const VAPID_FILE = path.join(ROOT, 'var/test/vapid-dev.pem');
const ENV = { CHATLINGS_VAPID_DEV_FILE: VAPID_FILE };
let srv, push;

before(async () => {
  push = await startFakePush();
  srv = await startOwnServer(ENV);
});
after(async () => {
  await srv?.stop();
  await push?.stop();
});

const subscription = (name, sub) => ({ endpoint: push.endpoint(name), keys: { p256dh: sub.p256dh, auth: sub.auth } });

/** DELETE with a JSON body, as the PWA sends it. */
const delJson = (p, pathName, body) =>
  p.c.request('DELETE', pathName, body, { headers: { origin: srv.origin, 'x-csrf-token': p.csrf } });

/** Runs the worker with push_deliver every second until pred(received) holds. */
async function deliver(t, pred, ms = 20000) {
  const w = await startWorker({
    t,
    env: { ...ENV, CHATLINGS_WORKER_SCHEDULE: 'push_deliver=1s,youtube_sweep=off,cleanup=off' },
  });
  try {
    return await push.waitFor(pred, ms);
  } finally {
    await w.stop();
  }
}

test('the VAPID public key is a P-256 point, the same on every call and every process', async () => {
  const a = await (await fetch(`${srv.url}/api/push/vapid-public-key`)).json();
  const b = await (await fetch(`${srv.url}/api/push/vapid-public-key`)).json();
  assert.match(a.public_key, /^[A-Za-z0-9_-]{87}$/);
  const raw = Buffer.from(a.public_key, 'base64url');
  assert.equal(raw.length, 65);
  assert.equal(raw[0], 4);
  assert.equal(a.public_key, b.public_key);
  const other = await startOwnServer(ENV);
  try {
    const c = await (await fetch(`${other.url}/api/push/vapid-public-key`)).json();
    assert.equal(c.public_key, a.public_key, 'every process of the checkout shares the development key');
  } finally {
    await other.stop();
  }
});

test('a subscription is validated and needs a session and the CSRF token', async () => {
  const { p } = await signedIn(srv);
  const sub = makeSubscriber();
  const anon = await fetch(`${srv.url}/api/push/subscription`, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: srv.origin },
    body: JSON.stringify(subscription('anon', sub)),
  });
  assert.equal(anon.status, 401);
  const noCsrf = await p.c.post('/api/push/subscription', subscription('x', sub), { headers: { origin: srv.origin } });
  assertError(noCsrf, 403, 'forbidden');
  assertError(await p.post('/api/push/subscription', {}), 400, 'bad_request');
  assertError(await p.post('/api/push/subscription', { ...subscription('x', sub), endpoint: 'ftp://127.0.0.1/x' }), 400, 'bad_request');
  assertError(await p.post('/api/push/subscription', { ...subscription('x', sub), keys: { p256dh: 'AAAA', auth: sub.auth } }), 400, 'bad_request');
  // a 65-byte value that is not a point on the curve
  const offCurve = Buffer.alloc(65, 0x11);
  offCurve[0] = 4;
  const bad = await p.post('/api/push/subscription', { ...subscription('x', sub), keys: { p256dh: offCurve.toString('base64url'), auth: sub.auth } });
  assert.ok([400, 201].includes(bad.status)); // stored keys are checked again when sending
  const ok = await p.post('/api/push/subscription', subscription(`v-${uname()}`, sub));
  assert.equal(ok.status, 201, ok.text);
  assert.equal(typeof ok.json.subscription.id, 'number');
  // the same browser again: one row, not two
  const again = await p.post('/api/push/subscription', subscription(`v2-${uname()}`, sub));
  assert.equal(again.status, 201);
  const prefs = await p.get('/api/push/preferences');
  assert.ok(prefs.json.subscriptions >= 2);
  // dropping everything of this player
  const gone = await p.del('/api/push/subscription');
  assert.equal(gone.status, 200, gone.text);
  assert.equal((await p.get('/api/push/preferences')).json.subscriptions, 0);
});

test('a browser that signs in as another player moves its subscription to that player', async () => {
  const a = await signedIn(srv);
  const b = await signedIn(srv);
  const sub = makeSubscriber();
  const s = subscription(`move-${uname()}`, sub);
  assert.equal((await a.p.post('/api/push/subscription', s)).status, 201);
  assert.equal((await b.p.post('/api/push/subscription', s)).status, 201);
  assert.equal((await a.p.get('/api/push/preferences')).json.subscriptions, 0);
  assert.equal((await b.p.get('/api/push/preferences')).json.subscriptions, 1);
  // another player cannot delete it by naming the endpoint
  const r = await delJson(a.p, '/api/push/subscription', { endpoint: s.endpoint });
  assert.equal(r.json.deleted, 0);
  assert.equal((await b.p.get('/api/push/preferences')).json.subscriptions, 1);
  const r2 = await delJson(b.p, '/api/push/subscription', { endpoint: s.endpoint });
  assert.equal(r2.json.deleted, 1);
});

test('preferences default to everything, change one at a time, and refuse unknown names', async () => {
  const { p } = await signedIn(srv);
  const d = await p.get('/api/push/preferences');
  assert.equal(d.status, 200);
  assert.deepEqual(d.json.preferences, {
    creature_found: true, achievement: true, daily_box_ready: true, new_chatroom: true, runaway: true, system: true,
  });
  const r = await p.put('/api/push/preferences', { runaway: false });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.preferences.runaway, false);
  assert.equal(r.json.preferences.system, true);
  const r2 = await p.put('/api/push/preferences', { preferences: { system: false } });
  assert.equal(r2.json.preferences.runaway, false, 'earlier choices are kept');
  assert.equal(r2.json.preferences.system, false);
  assertError(await p.put('/api/push/preferences', { nonsense: true }), 400, 'bad_request');
  assertError(await p.put('/api/push/preferences', { runaway: 'no' }), 400, 'bad_request');
});

test('a find from the daily box is pushed, encrypted, to the subscribed browser', async (t) => {
  const { p, user } = await signedIn(srv);
  const sub = makeSubscriber();
  const name = `box-${uname()}`;
  assert.equal((await p.post('/api/push/subscription', subscription(name, sub))).status, 201);
  // a category the player turned off is not pushed
  await p.put('/api/push/preferences', { system: false });
  await psql(`INSERT INTO notifications (user_id, category, title) VALUES ('${user.id}', 'system', 'muted ${name}')`);
  const claim = await p.post('/api/daily-box/claim');
  if (claim.status === 404) return t.skip('POST /api/daily-box/claim: 404 on this server');
  assert.equal(claim.status, 200, claim.text);
  const queued = Number(await psqlValue(`SELECT count(*) FROM push_outbox WHERE user_id = '${user.id}'`));
  assert.ok(queued >= 1, 'the find was queued for push');

  const msg = await deliver(t, (e) => e.name === name);
  assert.equal(msg.headers['content-encoding'], 'aes128gcm');
  assert.equal(msg.headers['content-type'], 'application/octet-stream');
  assert.ok(Number(msg.headers.ttl) > 0);
  const key = (await (await fetch(`${srv.url}/api/push/vapid-public-key`)).json()).public_key;
  const { key: k } = verifyVapid(msg.headers.authorization, push.origin);
  assert.equal(k, key, 'signed with the key browsers subscribed with');
  const payload = JSON.parse(sub.decrypt(msg.body).toString('utf8'));
  assert.equal(typeof payload.title, 'string');
  assert.ok(payload.title.length > 0);
  assert.match(payload.url, /^\/creature\/[0-9a-f-]{36}$/);
  assert.equal(payload.category, 'creature_found');
  assert.match(payload.tag, /^chatlings-n\d+$/);
  assert.ok(!push.received.some((e) => e.name === name && sub.decrypt(e.body).toString().includes('muted')),
    'the muted category was not pushed');
  assert.equal(Number(await psqlValue(`SELECT count(*) FROM push_outbox WHERE user_id = '${user.id}'`)), 0);
  const last = await psqlValue(`SELECT last_success_at IS NOT NULL FROM push_subscriptions WHERE endpoint = '${push.endpoint(name)}'`);
  assert.equal(last, 't');
});

test('a subscription the push service says is gone (410) is deleted', async (t) => {
  const { p, user } = await signedIn(srv);
  const sub = makeSubscriber();
  const name = `gone-${uname()}`;
  push.setStatus(name, 410);
  assert.equal((await p.post('/api/push/subscription', subscription(name, sub))).status, 201);
  await psql(`INSERT INTO notifications (user_id, category, title) VALUES ('${user.id}', 'system', 'hello ${name}')`);
  await deliver(t, (e) => e.name === name);
  // the worker deletes it right after the answer
  for (let i = 0; i < 50; i++) {
    if ((await p.get('/api/push/preferences')).json.subscriptions === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal((await p.get('/api/push/preferences')).json.subscriptions, 0);
});

test('deleting the account deletes its subscriptions', async () => {
  const { p, user } = await signedIn(srv);
  const sub = makeSubscriber();
  assert.equal((await p.post('/api/push/subscription', subscription(`del-${uname()}`, sub))).status, 201);
  assert.equal((await p.del('/api/user/me')).status, 200);
  assert.equal(await psqlValue(`SELECT count(*) FROM push_subscriptions WHERE user_id = '${user.id}'`), '0');
});
