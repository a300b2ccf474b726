// Avatars (GAME.md "Avatars"): nine drawn candidates; the first pick is free, a later change
// spends an Avatar reset bought in the shop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, psql } from './harness.mjs';
import { startOwnServer, signedIn, assertError } from './players.mjs';

let srv;
before(async () => { srv = await startOwnServer(); });
after(async () => { await srv?.stop(); });

test('nine candidates, a free first pick, then changes cost an Avatar reset', async () => {
  const { p, user } = await signedIn(srv);
  const c = await p.get('/api/user/avatar/candidates');
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.candidates.length, 9);
  assert.equal(c.json.current, null);
  assert.equal(c.json.next_change_free, true);
  const svg = await api(srv.url, c.json.candidates[4].url);
  assert.equal(svg.status, 200);
  assert.match(svg.text, /<svg/);

  for (const bad of [{ n: 9 }, { n: -1 }, { n: '3' }, {}, { n: 2.5 }])
    assertError(await p.put('/api/user/avatar', bad), 400, 'bad_request');

  const first = await p.put('/api/user/avatar', { n: 3 });
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.avatar_n, 3);
  assert.equal((await p.get('/api/user/me')).json.user.avatar_n, 3, 'the cached profile was dropped');
  assert.equal((await p.put('/api/user/avatar', { n: 3 })).status, 200, 'the same pick again is free');
  assertError(await p.put('/api/user/avatar', { n: 5 }), 409, 'conflict');

  await psql(`UPDATE users SET motes = 1000 WHERE id = '${user.id}'`);
  const buy = await p.post('/api/shop/purchase', { item_id: 'avatar_reset' });
  assert.equal(buy.status, 200, buy.text);
  const change = await p.put('/api/user/avatar', { n: 5 });
  assert.equal(change.status, 200, change.text);
  assert.equal(change.json.reset_credits, 0);
  assertError(await p.put('/api/user/avatar', { n: 6 }), 409, 'conflict');
});

test('avatar routes need a session', async () => {
  assert.equal((await api(srv.url, '/api/user/avatar/candidates')).status, 401);
});
