// app.test.mjs: the PWA in a real browser (Debian's headless Chromium driven by playwright-core)
// against the real chatlings binary, the test stack, and the local OpenID provider.
// A new player signs in through the provider, signs up, opens the daily box, finds the creature
// in the collection, meets an encounter, sets a team, chats live with a second browser and sees
// a live notification; the service worker shows a push message and an offline reload shows the
// shell. Every screen is photographed on a 360x740 phone and a 1280x800 desktop into
// tests/artifacts/e2e/, and the hub's time to interactive is measured (performance marks).
// Steps whose API is not on this server yet are skipped with the reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { ROOT, freePort, psql, startServer } from '../integration/harness.mjs';
import { startProvider } from '../integration/oidc-provider.mjs';
import { startFront } from './front.mjs';

const DIST = path.join(ROOT, 'web/dist');
const ART = path.join(ROOT, 'tests/artifacts/e2e');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const VIEWPORTS = { phone: { width: 360, height: 740 }, desktop: { width: 1280, height: 800 } };
const HIGH_LIMITS = 'signin=100000/60,write=100000/60,read=100000/60,chat=100000/60';
const run = randomBytes(3).toString('hex');

const missing = !existsSync(path.join(DIST, 'index.html'))
  ? 'web/dist is not built (npm --prefix web run build)'
  : !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM} (apt-get install chromium)` : null;

let provider, srv, front, base, browser;
const metrics = {};
const problems = []; // CSP violations and page errors, from every page of the run

async function listen(page) {
  page.on('console', (m) => {
    const t = m.text();
    if (/Content[- ]Security[- ]Policy|Refused to (load|execute|apply)/i.test(t)) problems.push(`CSP: ${t}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return page;
}

async function isHtml(url) {
  try {
    const r = await fetch(url, { headers: { accept: 'text/html' }, signal: AbortSignal.timeout(3000) });
    return r.ok && (r.headers.get('content-type') || '').startsWith('text/html');
  } catch {
    return false;
  }
}

before(async () => {
  if (missing) return;
  mkdirSync(ART, { recursive: true });
  const serverPort = await freePort();
  const frontPort = await freePort();
  const serverUrl = `http://127.0.0.1:${serverPort}`;
  const frontUrl = `http://127.0.0.1:${frontPort}`;
  provider = await startProvider({ redirectUris: [`${serverUrl}/auth/callback`, `${frontUrl}/auth/callback`] });
  const env = (publicUrl) => ({
    CHATLINGS_OIDC_ISSUER: provider.issuer,
    CHATLINGS_OIDC_CLIENT_ID: provider.clientId,
    CHATLINGS_OIDC_CLIENT_SECRET: provider.clientSecret,
    CHATLINGS_PUBLIC_URL: publicUrl,
    CHATLINGS_RATE_LIMITS: HIGH_LIMITS,
    CHATLINGS_STATIC_DIR: DIST,
    CHATLINGS_VAPID_DEV_FILE: path.join(ROOT, 'var/test/vapid-dev.pem'),
  });
  srv = await startServer({ listen: `127.0.0.1:${serverPort}`, env: env(serverUrl) });
  base = serverUrl;
  if (!(await isHtml(`${serverUrl}/`))) {
    // this server does not serve the PWA itself yet: put the stand-in front in front of it
    await srv.stop();
    srv = await startServer({ listen: `127.0.0.1:${serverPort}`, env: env(frontUrl) });
    front = await startFront({ dist: DIST, backend: serverUrl, port: frontPort });
    base = frontUrl;
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

after(async () => {
  await browser?.close();
  await front?.close();
  await srv?.stop();
  await provider?.stop();
  if (!missing) {
    writeFileSync(path.join(ART, 'metrics.json'), `${JSON.stringify({ base, ...metrics, problems }, null, 2)}\n`);
  }
});

const skipIf = (t) => {
  if (missing) {
    t.skip(missing);
    return true;
  }
  return false;
};

/** GET an API path with this page's cookies: { status, json }. */
async function apiFrom(page, p, init) {
  return page.evaluate(async ([p, init]) => {
    const r = await fetch(p, init);
    let json = null;
    try { json = await r.json(); } catch { /* not JSON */ }
    return { status: r.status, json };
  }, [p, init ?? {}]);
}

/** Waits until the route has rendered (a screen or the welcome) and pictures have settled. */
async function settle(page) {
  await page.waitForSelector('main#main .screen, main#main .welcome', { timeout: 15000 });
  await page.waitForFunction(() => !document.querySelector('.spinner'), null, { timeout: 15000 }).catch(() => {});
  await page.waitForFunction(
    () => [...document.images].every((i) => i.complete) && document.fonts.status === 'loaded',
    null, { timeout: 8000 },
  ).catch(() => {});
  await page.waitForTimeout(350); // entrance animations
}

async function shot(page, name) {
  const vp = page.viewportSize().width <= 400 ? 'phone' : 'desktop';
  await page.screenshot({ path: path.join(ART, `${vp}-${name}.png`), fullPage: false });
}

/** A signed-in page for each viewport, via the dev sign-in form (the second player). */
async function devPlayer(viewport, name) {
  const ctx = await browser.newContext({ viewport });
  const page = await listen(await ctx.newPage());
  await page.goto(`${base}/`);
  await page.fill('.dev-login input[name=username]', name);
  await page.click('.dev-login button[type=submit]');
  await page.waitForSelector('.hub', { timeout: 15000 });
  return { ctx, page };
}

let A; // the first player's phone page (signed up through the provider)
let playerName;

test('a new player signs in with the provider, signs up and lands on the hub', async (t) => {
  if (skipIf(t)) return;
  const ctx = await browser.newContext({ viewport: VIEWPORTS.phone });
  const page = await listen(await ctx.newPage());
  await page.goto(`${base}/`);
  await page.waitForSelector('.welcome');
  await settle(page);
  await shot(page, 'signin');
  assert.equal(await page.locator('a.btn-google').getAttribute('href'), '/auth/login');
  // keyboard: the first tab stop of the welcome is the sign-in button
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('href')), '/auth/login');

  await page.click('a.btn-google');
  await page.waitForSelector('input[name=login]', { timeout: 15000 });
  await page.fill('input[name=login]', `e2e-${run}`);
  await page.fill('input[name=password]', 'any');
  await page.click('button[type=submit]');
  await page.waitForSelector('button.login-submit', { timeout: 15000 });
  await page.click('button.login-submit'); // consent
  await page.waitForURL(`${base}/signup`, { timeout: 15000 });
  await page.waitForSelector('.signup-form');
  await settle(page);
  await shot(page, 'signup');

  playerName = `e2e_${run}`;
  await page.fill('.signup-form input[name=username]', playerName);
  await page.click('.signup-form button[type=submit]');
  await page.waitForSelector('.reveal-card', { timeout: 15000 });
  await settle(page);
  await shot(page, 'starter');
  await page.click('text=Let’s play!');
  await page.waitForSelector('.hub');
  assert.equal(new URL(page.url()).pathname, '/');
  assert.match(await page.locator('.hub-hello h1').textContent(), new RegExp(playerName));
  await settle(page);
  await shot(page, 'hub');
  A = { ctx, page };
});

test('the hub is interactive within 1 s on localhost', async (t) => {
  if (skipIf(t) || !A) return t.skip('no signed-in player');
  const { page } = A;
  const times = [];
  for (let i = 0; i < 3; i++) {
    await page.goto(`${base}/`);
    await page.waitForFunction(() => performance.getEntriesByName('chatlings:hub-ready').length > 0, null, { timeout: 10000 });
    times.push(await page.evaluate(() => performance.getEntriesByName('chatlings:hub-ready')[0].startTime));
  }
  const js = await page.evaluate(() => performance.getEntriesByType('resource')
    .filter((r) => r.initiatorType === 'script' || r.name.endsWith('.js'))
    .map((r) => ({ name: new URL(r.name).pathname, transfer: r.transferSize, decoded: r.decodedBodySize })));
  metrics.hub_ready_ms = times;
  metrics.hub_ready_ms_median = [...times].sort((a, b) => a - b)[1];
  metrics.scripts_loaded = js;
  const budget = path.join(DIST, 'budget.json');
  if (existsSync(budget)) metrics.build_budget = JSON.parse(readFileSync(budget, 'utf8'));
  t.diagnostic(`hub ready (ms since navigation start): ${times.map((x) => x.toFixed(0)).join(', ')}`);
  assert.ok(metrics.hub_ready_ms_median < 1000, `hub took ${metrics.hub_ready_ms_median} ms`);
});

test('opens the daily box and finds the creature in the collection', async (t) => {
  if (skipIf(t) || !A) return t.skip('no signed-in player');
  const { page } = A;
  const st = await apiFrom(page, '/api/daily-box/status');
  if (st.status === 404) return t.skip('GET /api/daily-box/status: 404 on this server');
  await page.goto(`${base}/box`);
  await page.waitForSelector('.giftbox.is-ready');
  await settle(page);
  await shot(page, 'box-ready');
  await page.click('.giftbox');
  await page.waitForSelector('.phase-opening, .phase-burst, .phase-revealed');
  await page.waitForTimeout(400);
  await shot(page, 'box-opening');
  await page.waitForSelector('.reveal-card .reveal-name', { timeout: 15000 });
  await settle(page);
  await shot(page, 'box-reveal');
  const name = (await page.locator('.reveal-card .reveal-name').textContent()).trim();

  await page.goto(`${base}/collection`);
  await page.waitForSelector('.grid .tile');
  await settle(page);
  await shot(page, 'collection');
  const names = await page.locator('.grid .tile .tile-name').allTextContents();
  const detail = await apiFrom(page, '/api/user/collection?sort=first_found&order=desc&limit=5');
  const found = detail.json.collection.find((c) => c.name === name);
  assert.ok(found, `the box's ${name} is in the collection`);
  assert.ok(names.includes(found.short_name || found.name), `${name} has a tile`);

  await page.click(`.grid a[href="/creature/${found.id}"]`);
  await page.waitForSelector('.creature-screen .traits');
  await settle(page);
  await shot(page, 'creature');
  assert.equal((await page.locator('.creature-screen h1').textContent()).trim(), name);
  assert.equal(await page.locator('.traits li').count(), 8);
  assert.equal(await page.locator('.scores .score').count(), 5);
  // the artwork box has its size before the picture arrives: no layout shift
  const box = await page.locator('.creature-hero .art').boundingBox();
  assert.ok(Math.abs(box.width - box.height) < 1, 'square art box');
});

test('meets a wild chatling', async (t) => {
  if (skipIf(t) || !A) return t.skip('no signed-in player');
  const { page } = A;
  const cur = await apiFrom(page, '/api/encounters/current');
  if (cur.status === 404) return t.skip('GET /api/encounters/current: 404 on this server');
  if (!cur.json?.encounter) return t.skip('no encounter left today for this player');
  await page.goto(`${base}/encounters`);
  await page.waitForSelector('.versus');
  await page.waitForSelector('.grid .tile');
  await settle(page);
  await shot(page, 'encounters');
  await page.locator('.grid .tile').first().click();
  await page.click('.encounter .btn-big');
  await page.waitForSelector('.duel-verdict', { timeout: 15000 });
  await settle(page);
  await shot(page, 'encounter-result');
  assert.equal(await page.locator('.duel-row').count(), 3);
});

test('sets a team', async (t) => {
  if (skipIf(t) || !A) return t.skip('no signed-in player');
  const { page } = A;
  if ((await apiFrom(page, '/api/user/team')).status === 404) return t.skip('GET /api/user/team: 404 on this server');
  await page.goto(`${base}/team`);
  await page.waitForSelector('.grid .tile');
  // fill the team with the chatlings shown, in order
  const tiles = page.locator('.grid .tile');
  const n = Math.min(await tiles.count(), 5);
  for (let i = 0; i < n; i++) {
    if ((await tiles.nth(i).getAttribute('aria-pressed')) !== 'true') await tiles.nth(i).click();
  }
  await page.click('text=Save team');
  await page.waitForSelector('.toast:has-text("Team saved")', { timeout: 10000 });
  await page.reload();
  await page.waitForSelector('.slot.is-filled');
  await settle(page);
  await shot(page, 'team');
  const team = await apiFrom(page, '/api/user/team');
  assert.equal(team.json.slots.filter((s) => s.creature).length, n);
});

test('the box, a creature card and an encounter on a desktop', async (t) => {
  if (skipIf(t) || !A) return t.skip('no signed-in player');
  const D = await devPlayer(VIEWPORTS.desktop, `e2e_d_${run}`);
  try {
    const { page } = D;
    if ((await apiFrom(page, '/api/daily-box/status')).status !== 404) {
      await page.goto(`${base}/box`);
      await page.waitForSelector('.giftbox.is-ready');
      await settle(page);
      await shot(page, 'box-ready');
      await page.click('.giftbox');
      await page.waitForSelector('.reveal-card .reveal-name', { timeout: 15000 });
      await settle(page);
      await shot(page, 'box-reveal');
      await page.click('.box-actions a.btn >> nth=0');
      await page.waitForSelector('.creature-screen .traits');
      await settle(page);
      await shot(page, 'creature');
    }
    const cur = await apiFrom(page, '/api/encounters/current');
    if (cur.status !== 404 && cur.json?.encounter) {
      await page.goto(`${base}/encounters`);
      await page.waitForSelector('.grid .tile');
      await page.locator('.grid .tile').first().click();
      await settle(page);
      await shot(page, 'encounters');
      await page.click('.encounter .btn-big');
      await page.waitForSelector('.duel-verdict', { timeout: 15000 });
      await settle(page);
      await shot(page, 'encounter-result');
    }
  } finally {
    await D.ctx.close();
  }
});

test('every other screen renders on a phone and a desktop', async (t) => {
  if (skipIf(t) || !A) return t.skip('no signed-in player');
  const screens = ['/', '/collection', '/play', '/idle', '/achievements', '/leaderboards', '/chat', '/runaways',
    '/notifications', '/shop', '/avatar', '/youtube', '/settings', '/me', '/box', '/encounters', '/team', '/nowhere'];
  const desk = await browser.newContext({ viewport: VIEWPORTS.desktop });
  await desk.addCookies(await A.ctx.cookies());
  const dpage = await listen(await desk.newPage());
  for (const page of [A.page, dpage]) {
    for (const s of screens) {
      await page.goto(`${base}${s}`);
      await settle(page);
      const name = s === '/' ? 'hub' : s.slice(1);
      await shot(page, name);
      // nothing wider than the viewport (no sideways scrolling on a phone)
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `${s} overflows by ${overflow}px at ${page.viewportSize().width}px`);
      // every picture says what it is (or is marked decorative)
      const noAlt = await page.evaluate(() => [...document.images].filter((i) => !i.hasAttribute('alt')).length);
      assert.equal(noAlt, 0, `${s}: images without alt`);
    }
  }
  await desk.close();
});

test('text from the server and other players is shown as text, never as markup', async (t) => {
  if (skipIf(t) || !A) return t.skip('no signed-in player');
  const { page } = A;
  const evil = '<img src=x onerror="window.__pwned=1"><b>bold</b>';
  await psql(`INSERT INTO notifications (user_id, category, title, body)
              SELECT id, 'system', '${evil.replace(/'/g, "''")}', 'body <script>window.__pwned=2</script>'
              FROM users WHERE username = '${playerName}'`);
  await page.goto(`${base}/notifications`);
  await page.waitForSelector('.note');
  await settle(page);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  const titles = await page.locator('.note strong').allTextContents();
  assert.ok(titles.includes(evil), 'the title is shown literally');
  assert.equal(await page.locator('.note b').count(), 0);
  await shot(page, 'notifications');
});

test('chats live with a second browser', async (t) => {
  if (skipIf(t) || !A) return t.skip('no signed-in player');
  const rooms = await apiFrom(A.page, '/api/chatrooms');
  if (rooms.status === 404) return t.skip('GET /api/chatrooms: 404 on this server (chatrooms not built yet)');
  const list = rooms.json?.rooms ?? [];
  const room = list.find((r) => r.open !== false);
  if (!room) return t.skip('no chatroom is open on this server');
  const B = await devPlayer(VIEWPORTS.desktop, `e2e_b_${run}`);
  try {
    for (const p of [A.page, B.page]) {
      await p.goto(`${base}/chat/${room.id}`);
      await p.waitForSelector('.room-screen');
    }
    await A.page.click('.room-tabs .tab:has-text("Live chat")');
    await A.page.waitForSelector('.live-dot.on', { timeout: 10000 }).catch(() => {});
    await B.page.waitForSelector('.live-dot.on', { timeout: 10000 }).catch(() => {});
    const line = `hello from B ${run}`;
    await B.page.fill('#chat-input', line);
    await B.page.click('.composer button[type=submit]');
    await A.page.waitForSelector(`.msg-text:has-text("${line}")`, { timeout: 10000 });
    await settle(A.page);
    await shot(A.page, 'chatroom-live');
    await settle(B.page);
    await shot(B.page, 'chatroom');
  } finally {
    await B.ctx.close();
  }
});

test('a notification reaches an open page live', async (t) => {
  if (skipIf(t) || !A) return t.skip('no signed-in player');
  const { page } = A;
  await page.goto(`${base}/`);
  await page.waitForSelector('.hub');
  await page.evaluate(() => fetch('/api/user/notifications/read', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ all: true }),
  }));
  await page.reload();
  await page.waitForSelector('.hub');
  await page.waitForTimeout(1500); // the socket is open
  await psql(`INSERT INTO notifications (user_id, category, title, body)
              SELECT id, 'system', 'Live hello ${run}', 'from the e2e test' FROM users WHERE username = '${playerName}'`);
  const got = await page.waitForSelector('.bell-count', { timeout: 6000 }).then(() => true, () => false);
  if (!got) return t.skip('the server does not publish new notifications on /ws yet (the bell polls every 30 s)');
  await shot(page, 'bell-live');
});

test('the service worker shows a push message', async (t) => {
  if (skipIf(t) || !A) return t.skip('no signed-in player');
  const { page, ctx } = A;
  await ctx.grantPermissions(['notifications'], { origin: base });
  await page.goto(`${base}/`);
  await page.evaluate(() => navigator.serviceWorker.ready);
  const cdp = await ctx.newCDPSession(page);
  const regs = [];
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => regs.push(...e.registrations));
  await cdp.send('ServiceWorker.enable');
  await page.waitForTimeout(300);
  const reg = regs.find((r) => r.scopeURL === `${base}/` && !r.isDeleted);
  assert.ok(reg, 'a service worker is registered for the app');
  await cdp.send('ServiceWorker.deliverPushMessage', {
    origin: base, registrationId: reg.registrationId,
    data: JSON.stringify({ title: `Push hello ${run}`, body: 'A chatling found you!', url: '/collection', tag: 't1' }),
  });
  const shown = await page.waitForFunction(async (title) => {
    const list = await (await navigator.serviceWorker.ready).getNotifications();
    return list.find((n) => n.title === title)?.body;
  }, `Push hello ${run}`, { timeout: 10000 });
  assert.equal(await shown.jsonValue(), 'A chatling found you!');
  await cdp.detach();
});

test('an offline reload shows the app shell and says the data is saved', async (t) => {
  if (skipIf(t) || !A) return t.skip('no signed-in player');
  const { page, ctx } = A;
  await page.goto(`${base}/`);
  await page.waitForSelector('.hub');
  await page.evaluate(() => navigator.serviceWorker.ready);
  if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) {
    await page.reload(); // the first visit installed the worker; now it controls the page
    await page.waitForSelector('.hub');
  }
  await settle(page);
  await ctx.setOffline(true);
  try {
    await page.reload();
    await page.waitForSelector('.topbar', { timeout: 15000 });
    await page.waitForSelector('.offline-banner', { timeout: 10000 });
    const banner = await page.locator('.offline-banner').textContent();
    assert.match(banner, /Offline — showing saved data from \d{1,2}:\d{2}/);
    await settle(page);
    await shot(page, 'offline');
  } finally {
    await ctx.setOffline(false);
  }
});

test('settings: rename, export and sign out', async (t) => {
  if (skipIf(t) || !A) return t.skip('no signed-in player');
  const { page } = A;
  await page.goto(`${base}/settings`);
  await page.waitForSelector('.screen form');
  const newName = `e2e_r_${run}`;
  await page.fill('form input', newName);
  await page.click('text=Rename');
  await page.waitForSelector('.toast:has-text("Name changed")');
  playerName = newName;
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Download my data')]);
  assert.match(download.suggestedFilename(), /^chatlings-.*-export\.json$/);
  await page.click('text=Sign out');
  await page.waitForSelector('.welcome');
  assert.equal((await apiFrom(page, '/api/auth/status')).json.signed_in, false);
});

test('the app is installable: manifest, icons and a service worker that controls the page', async (t) => {
  if (skipIf(t)) return;
  const ctx = await browser.newContext({ viewport: VIEWPORTS.phone });
  const page = await listen(await ctx.newPage());
  try {
    await page.goto(`${base}/`);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    assert.ok(await page.evaluate(() => !!navigator.serviceWorker.controller), 'the service worker controls the page');
    const cdp = await ctx.newCDPSession(page);
    const m = await cdp.send('Page.getAppManifest');
    assert.deepEqual(m.errors, [], JSON.stringify(m.errors));
    const manifest = JSON.parse(m.data);
    assert.equal(manifest.display, 'standalone');
    assert.ok(manifest.icons.some((i) => i.sizes === '512x512' && i.purpose === 'maskable'));
    // test browser contexts are incognito-like, which alone blocks installing: not the app's fault
    const inst = (await cdp.send('Page.getInstallabilityErrors')).installabilityErrors
      .filter((e) => e.errorId !== 'in-incognito');
    assert.deepEqual(inst, [], JSON.stringify(inst));
    await cdp.detach();
  } finally {
    await ctx.close();
  }
});

test('no Content Security Policy violations or page errors', async (t) => {
  if (skipIf(t)) return;
  assert.deepEqual(problems, []);
});
