// soak_load.mjs: the load of scripts/soak.sh. CONNS concurrent players (8) sign in, claim their
// daily box and do mixed reads and writes for SOAK_MINUTES; the server's RSS (SOAK_PID) is sampled
// every minute and latencies are kept per SOAK_WINDOW_MINUTES window. Prints a markdown report;
// exits 1 on any 5xx.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const URL0 = process.env.SOAK_URL;
const MIN = Number(process.env.SOAK_MINUTES || 30);
const WIN = Number(process.env.SOAK_WINDOW_MINUTES || 5) * 60000;
const PID = process.env.SOAK_PID;
const CONNS = Number(process.env.SOAK_CONNS || 8);
const origin = URL0;
const t0 = Date.now();
const end = t0 + MIN * 60000;
const LAST_WINDOW = Math.max(0, Math.ceil((MIN * 60000) / WIN) - 1);
const windows = []; // { lat: [], n, e5 }
const statuses = new Map();
const rss = [];
const rssKb = () => Number((/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${PID}/status`, 'utf8')) || [])[1] || 0);

async function req(method, path, body, cookie, csrf) {
  // a request that starts just before the end belongs to the last window, not to a new one
  const w = Math.min(Math.floor((Date.now() - t0) / WIN), LAST_WINDOW);
  windows[w] ??= { lat: [], n: 0, e5: 0 };
  const s = Date.now();
  let status = 'none';
  let res;
  try {
    res = await fetch(URL0 + path, {
      method, body: body ? JSON.stringify(body) : undefined,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), origin, ...(cookie ? { cookie } : {}), ...(csrf ? { 'x-csrf-token': csrf } : {}) },
      signal: AbortSignal.timeout(10000),
    });
    status = res.status;
  } catch { /* counted as none */ }
  windows[w].lat.push(Date.now() - s);
  windows[w].n++;
  if (typeof status === 'number' && status >= 500) windows[w].e5++;
  statuses.set(status, (statuses.get(status) || 0) + 1);
  return res;
}

async function player(i) {
  while (Date.now() < end) {
    const name = `soak_${i}_${Math.random().toString(36).slice(2, 10)}`;
    const l = await req('POST', '/api/dev/login', { username: name });
    if (!l || l.status !== 200) { await sleep(200); continue; }
    const cookie = (l.headers.getSetCookie?.() || []).map((c) => c.split(';')[0]).join('; ');
    const { csrf_token: csrf } = await l.json();
    await req('POST', '/api/daily-box/claim', {}, cookie, csrf).then((r) => r?.arrayBuffer());
    for (let k = 0; k < 20 && Date.now() < end; k++) {
      for (const p of ['/api/user/collection', `/api/creatures?limit=20&page=${1 + (k % 5)}`, '/api/user/stats',
        '/api/user/notifications', '/api/leaderboard/rarity', '/api/idle-game/state']) {
        await req('GET', p, undefined, cookie).then((r) => r?.arrayBuffer());
      }
      await req('POST', '/api/user/notifications/read', { all: true }, cookie, csrf).then((r) => r?.arrayBuffer());
    }
  }
}

const sampler = (async () => {
  while (Date.now() < end) {
    rss.push([Math.round((Date.now() - t0) / 60000), rssKb()]);
    await sleep(Math.min(60000, Math.max(1000, end - Date.now())));
  }
  rss.push([Math.round((Date.now() - t0) / 60000), rssKb()]);
})();
await Promise.all([...Array.from({ length: CONNS }, (_, i) => player(i)), sampler]);

const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : 0; };
const total5xx = windows.reduce((a, w) => a + (w?.e5 || 0), 0);
const none = statuses.get('none') || 0;
console.log(`## soak: ${MIN} min, ${CONNS} players, ${new Date().toISOString()}\n`);
console.log(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}; 5xx: ${total5xx}; no answer: ${none}\n`);
console.log('| window | requests | req/s | p50 | p99 | 5xx |\n|---|---|---|---|---|---|');
windows.forEach((w, i) => {
  if (!w) return;
  const secs = Math.min(WIN, Math.max(1, end - (t0 + i * WIN))) / 1000;
  console.log(`| ${i * WIN / 60000}-${Math.min(MIN, (i + 1) * WIN / 60000)} min | ${w.n} | ${(w.n / secs).toFixed(0)} | ${pct(w.lat, 0.5)} ms | ${pct(w.lat, 0.99)} ms | ${w.e5} |`);
});
console.log(`\nserver RSS (minute: MB): ${rss.map(([m, kb]) => `${m}: ${(kb / 1024).toFixed(1)}`).join(', ')}`);
const growth = rss.length > 2 ? (rss.at(-1)[1] - rss[1][1]) / 1024 : 0;
console.log(`RSS change after the first minute: ${growth.toFixed(1)} MB`);
console.log(total5xx === 0 && none === 0 ? 'soak: PASS (zero 5xx)' : 'soak: FAIL');
process.exit(total5xx === 0 && none === 0 ? 0 : 1);
