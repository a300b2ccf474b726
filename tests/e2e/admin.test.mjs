// admin.test.mjs: the admin portal (web-admin/dist, served by the binary on its admin listener)
// in Debian's headless Chromium driven by playwright-core, against the real binary and the test
// stack. An administrator signs in on the admin origin, reads the dashboard, finds a creature,
// renames it, re-rolls its traits and soft-deletes it after seeing the players affected; finds a
// player and suspends them (their session ends at once); maps a creator channel; opens and closes
// a chatroom; reads the audit log. Text from the database that looks like HTML stays text. Every
// screen is photographed on a 1280x800 desktop (and the main ones on a 360x740 phone) into
// tests/artifacts/e2e/admin-*.png; any CSP violation or page error fails the run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { chromium } from 'playwright-core';
import { ROOT, api, freePort, psql, psqlValue, runChatlings, startServer } from '../integration/harness.mjs';

const DIST = path.join(ROOT, 'web-admin/dist');
const ART = path.join(ROOT, 'tests/artifacts/e2e');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };
const HIGH_LIMITS = 'signin=100000/60,write=100000/60,read=100000/60,chat=100000/60';
const run = randomBytes(3).toString('hex');
const XSS = '<img src=x onerror="window.__xss=1">';

const missing = !existsSync(path.join(DIST, 'index.html'))
  ? 'web-admin/dist is not built (npm --prefix web-admin ci && npm --prefix web-admin run build)'
  : !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM} (apt-get install chromium)` : null;

let srv, browser, ctx, page;
let adminName, playerName, player, creature;
const problems = [];

function listen(p) {
  p.on('console', (m) => {
    const t = m.text();
    if (/Content[- ]Security[- ]Policy|Refused to (load|execute|apply)/i.test(t)) problems.push(`CSP: ${t}`);
  });
  p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return p;
}

async function settle(p) {
  await p.waitForSelector('.screen, .signin-card', { timeout: 15000 });
  await p.waitForFunction(() => !document.querySelector('.loading'), null, { timeout: 15000 }).catch(() => {});
  await p.waitForFunction(() => [...document.images].every((i) => i.complete), null, { timeout: 5000 }).catch(() => {});
  await p.waitForTimeout(150);
}

async function shot(p, name) {
  const vp = p.viewportSize().width <= 400 ? 'phone' : 'desktop';
  await p.screenshot({ path: path.join(ART, `admin-${vp}-${name}.png`), fullPage: true });
}

/** A new player through the public listener's dev sign-in: { id, name, cookie, csrf }. */
async function newPlayer(prefix) {
  const name = `${prefix}_${run}_${randomBytes(2).toString('hex')}`;
  const r = await api(srv.url, '/api/dev/login', { body: { username: name }, headers: { origin: srv.url } });
  assert.equal(r.status, 200, r.text);
  const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return { id: r.json.user.id, name, cookie, csrf: r.json.csrf_token };
}

before(async () => {
  if (missing) return;
  mkdirSync(ART, { recursive: true });
  const port = await freePort();
  srv = await startServer({
    listen: `127.0.0.1:${port}`,
    env: {
      CHATLINGS_PUBLIC_URL: `http://127.0.0.1:${port}`,
      CHATLINGS_RATE_LIMITS: HIGH_LIMITS,
      CHATLINGS_ADMIN_STATIC_DIR: DIST,
    },
  });
  const admin = await newPlayer('boss');
  adminName = admin.name;
  const g = await runChatlings(['admin', 'grant-admin', adminName]);
  assert.equal(g.code, 0, g.stderr);
  player = await newPlayer('bad');
  playerName = player.name;
  // a creature of the test's own whose name looks like HTML, owned by the player
  creature = { id: randomUUID(), name: `Zz ${run} ${XSS}` };
  await psql(`INSERT INTO creatures (id, seq, name, short_name, body_type_id, rarity, colour_scheme, vibe, is_active)
      VALUES ('${creature.id}', ${800000000 + Math.floor(Math.random() * 90000000)}, '${creature.name.replace(/'/g, "''")}',
              'Zz', 5, 'Rare', 'Test Grey', 'made by e2e/admin.test.mjs', true);
    INSERT INTO creature_traits (creature_id, trait_id, score) SELECT '${creature.id}', t, 40 + t FROM generate_series(1, 8) t;
    INSERT INTO user_collections (user_id, creature_id, source) VALUES ('${player.id}', '${creature.id}', 'admin')`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  ctx = await browser.newContext({ viewport: DESKTOP });
  page = listen(await ctx.newPage());
});

after(async () => {
  if (creature) await psql(`UPDATE creatures SET deleted_at = coalesce(deleted_at, now()), is_active = false WHERE id = '${creature.id}'`).catch(() => {});
  await browser?.close();
  await srv?.stop();
});

const skip = (t) => {
  if (missing) {
    t.skip(missing);
    return true;
  }
  return false;
};

test('the portal is served on the admin listener with the page CSP, and asks for sign-in', async (t) => {
  if (skip(t)) return;
  const r = await fetch(`${srv.adminUrl}/`, { headers: { accept: 'text/html' } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-security-policy'), /script-src 'self'/);
  assert.equal((await fetch(`${srv.url}/api/admin/session`)).status, 404, 'not on the public listener');
  await page.goto(`${srv.adminUrl}/`);
  await settle(page);
  await page.waitForSelector('.signin-card .dev-login');
  await shot(page, 'signin');
  // a plain player is refused by the portal itself
  await page.fill('.dev-login input[name=username]', playerName);
  await page.click('.dev-login button[type=submit]');
  await page.waitForSelector('.signin-card .problem');
  assert.match(await page.textContent('.signin-card'), /not an administrator/);
});

test('an administrator signs in and sees the live dashboard', async (t) => {
  if (skip(t)) return;
  await page.fill('.dev-login input[name=username]', adminName);
  await page.click('.dev-login button[type=submit]');
  await page.waitForSelector('.dashboard .stat');
  await settle(page);
  assert.match(await page.textContent('.topbar'), new RegExp(adminName));
  const text = await page.textContent('.dashboard');
  for (const want of ['Daily actives', 'Finds per source', 'Error rate', 'p95 latency', 'Dead letters']) assert.match(text, new RegExp(want));
  await shot(page, 'dashboard');
});

test('creatures: search, rename, re-roll, and soft delete after seeing who owns it', async (t) => {
  if (skip(t)) return;
  await page.click('.sidenav >> text=Creatures');
  await page.waitForSelector('table.list');
  await page.fill('input[name=q]', `Zz ${run}`);
  await page.click('form.filters button[type=submit]');
  await page.waitForSelector(`table.list a[href="#/creatures/${creature.id}"]`);
  await settle(page);
  await shot(page, 'creatures');
  // the HTML-looking name is text, not markup
  assert.equal(await page.evaluate(() => document.querySelectorAll('img[src="x"]').length), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.ok((await page.textContent('table.list')).includes(XSS));

  await page.click(`table.list a[href="#/creatures/${creature.id}"]`);
  await page.waitForSelector('.creature form.edit');
  await settle(page);
  await shot(page, 'creature');
  const newName = `Zz ${run} renamed`;
  await page.fill('form.edit input[name=name]', newName);
  await page.selectOption('form.edit select[name=rarity]', 'Epic');
  await page.click('form.edit button[type=submit]');
  await page.waitForSelector('.notice');
  assert.equal(await page.textContent('.creature h1'), newName);
  assert.equal(await psqlValue(`SELECT name || '/' || rarity FROM creatures WHERE id = '${creature.id}'`), `${newName}/Epic`);

  const before = await psqlValue(`SELECT string_agg(score::text, ',' ORDER BY trait_id) FROM creature_traits WHERE creature_id = '${creature.id}'`);
  await page.click('text=Re-roll traits…');
  await page.waitForSelector('dialog.modal[open]');
  await page.click('dialog.modal button.btn.primary');
  await page.waitForSelector('dialog.modal', { state: 'detached' });
  const afterRoll = await psqlValue(`SELECT string_agg(score::text, ',' ORDER BY trait_id) FROM creature_traits WHERE creature_id = '${creature.id}'`);
  assert.notEqual(afterRoll, before);

  await page.click('text=Delete…');
  await page.waitForSelector('dialog.modal .affected');
  const affected = await page.textContent('dialog.modal .affected');
  assert.match(affected, /1\s*player owns it/);
  assert.ok(affected.includes(playerName), 'the owner is listed');
  await shot(page, 'creature-delete');
  await page.click('dialog.modal >> text=Delete creature');
  await page.waitForSelector('dialog.modal', { state: 'detached' });
  await page.waitForSelector('.creature .badge.deleted');
  assert.notEqual(await psqlValue(`SELECT deleted_at FROM creatures WHERE id = '${creature.id}'`), null);
  assert.equal(await psqlValue(`SELECT count(*) FROM user_collections WHERE creature_id = '${creature.id}'`), '1');
});

test('players: find one and suspend them; their session ends at once', async (t) => {
  if (skip(t)) return;
  assert.equal((await api(srv.url, '/api/user/me', { cookie: player.cookie })).status, 200);
  await page.click('.sidenav >> text=Players');
  await page.fill('input[name=q]', playerName);
  await page.click('form.filters button[type=submit]');
  await page.waitForSelector(`table.list a[href="#/players/${player.id}"]`);
  await page.click(`table.list a[href="#/players/${player.id}"]`);
  await page.waitForSelector('.player .facts');
  await settle(page);
  await page.click('text=Suspend…');
  await page.fill('dialog.modal textarea[name=reason]', 'spamming <b>links</b>');
  await shot(page, 'player-suspend');
  await page.click('dialog.modal >> button:has-text("Suspend")');
  await page.waitForSelector('.player .badge.deleted');
  await settle(page);
  assert.match(await page.textContent('.player .facts'), /spamming <b>links<\/b>/);
  await shot(page, 'player');
  assert.equal((await api(srv.url, '/api/user/me', { cookie: player.cookie })).status, 401);
});

test('creator chatlings, chatrooms, body types and jobs screens work', async (t) => {
  if (skip(t)) return;
  const target = await psqlValue("SELECT id FROM creatures WHERE deleted_at IS NULL AND is_active ORDER BY seq LIMIT 1");
  const targetName = await psqlValue(`SELECT name FROM creatures WHERE id = '${target}'`);
  const channel = `UCe2e${run}`;
  await page.click('.sidenav >> text=Creator chatlings');
  await page.fill('form.mapform input[name=channel_id]', channel);
  await page.fill('form.mapform input[name=channel_title]', `Channel ${XSS}`);
  await page.fill('form.mapform input[name=creature_search]', targetName);
  await page.click('form.mapform >> text=Find');
  await page.click(`.picklist button:has-text("${targetName}")`);
  await page.click('form.mapform button[type=submit]');
  await page.waitForSelector('.notice');
  await page.waitForSelector(`table.list >> text=${channel}`);
  assert.equal(await page.evaluate(() => document.querySelectorAll('img[src="x"]').length), 0);
  await settle(page);
  await shot(page, 'creators');
  assert.equal(await psqlValue(`SELECT creature_id FROM creator_chatlings WHERE channel_id = '${channel}'`), target);
  await page.click(`table.list tr:has-text("${channel}") >> text=Remove`);
  await page.waitForSelector(`table.list >> text=${channel}`, { state: 'detached' });

  await page.click('.sidenav >> text=Chatrooms');
  await page.waitForSelector('form.openroom');
  const title = `E2E room ${run}`;
  await page.fill('form.openroom input[name=title]', title);
  await page.fill('form.openroom input[name=video]', 'https://www.youtube.com/watch?v=dQw4w9WgXcQ');
  await page.click('form.openroom button[type=submit]');
  await page.waitForSelector(`table.list tr:has-text("${title}")`);
  await settle(page);
  await shot(page, 'chatrooms');
  await page.click(`table.list tr:has-text("${title}") >> button:has-text("Close")`);
  await page.waitForSelector('.notice >> text=closed');
  assert.equal(await psqlValue(`SELECT is_active::text || '/' || youtube_video_id FROM chatrooms WHERE title = '${title}'`), 'false/dQw4w9WgXcQ');
  for (const tab of ['Reports', 'Muted players', 'Featured topics']) {
    await page.click(`.tabs >> text=${tab}`);
    await settle(page);
  }
  await shot(page, 'chatrooms-featured');

  await page.click('.sidenav >> text=Body types');
  await page.waitForSelector('form.bodytype');
  await settle(page);
  await shot(page, 'body-types');

  await page.click('.sidenav >> text=Jobs');
  await page.waitForSelector('.screen h1:has-text("Jobs")');
  await settle(page);
  await shot(page, 'jobs');
});

test('the audit log shows every action with its before and after', async (t) => {
  if (skip(t)) return;
  await page.click('.sidenav >> text=Audit log');
  await page.fill('form.filters input[name=actor]', adminName);
  await page.click('form.filters button[type=submit]');
  await page.waitForSelector('table.audit tbody tr');
  await settle(page);
  const text = await page.textContent('table.audit');
  for (const action of ['Player suspend', 'Creature delete', 'Creature reroll traits', 'Creature update', 'Creator map',
    'Creator unmap', 'Chatroom open', 'Chatroom close', 'Admin sign in']) {
    assert.match(text, new RegExp(action), action);
  }
  await page.click('table.audit tr:has-text("Player suspend") >> button');
  await page.waitForSelector('tr.detail pre.json');
  assert.match(await page.textContent('tr.detail'), /spamming <b>links<\/b>/);
  await shot(page, 'audit');
  const rows = Number(await psqlValue(`SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_user_id
    WHERE u.username = '${adminName}' AND host(a.ip) = '127.0.0.1'`));
  assert.ok(rows >= 9, `${rows} audit rows`);
});

test('on a phone: the dashboard and a list fit the screen', async (t) => {
  if (skip(t)) return;
  const phone = await browser.newContext({ viewport: PHONE });
  await phone.addCookies(await ctx.cookies());
  const p = listen(await phone.newPage());
  await p.goto(`${srv.adminUrl}/#/dashboard`);
  await p.waitForSelector('.dashboard .stat');
  await settle(p);
  await shot(p, 'dashboard');
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone`);
  await p.goto(`${srv.adminUrl}/#/players`);
  await p.waitForSelector('table.list');
  await settle(p);
  await shot(p, 'players');
  await phone.close();
});

test('sign out, and no CSP violation or page error anywhere', async (t) => {
  if (skip(t)) return;
  await page.click('.topbar >> text=Sign out');
  await page.waitForSelector('.signin-card');
  assert.deepEqual(problems, []);
});
