// ws_bench.mjs: the live-chat load generator of `make bench` (bench/chat.sh runs it).
//   node bench/ws_bench.mjs --url http://127.0.0.1:PORT --room ROOM_ID [--conns 10000]
//        [--members 1000] [--messages 20] [--users 100] [--threads 2] [--pid SERVER_PID] [--timeout-s 180]
// Signs --users players in (dev login), opens --conns WebSockets on one instance spread over
// them (from --threads worker threads, so that reading 1,000 member sockets is not one event
// loop's queue), lets --members of them join the room, then a separate talker says --messages
// lines, one at a time, and every member's receipt time is taken against the moment the line
// was sent (performance.timeOrigin + now(): one clock for every thread). Prints one JSON line:
// connections opened and failed, connect time, deliveries and their p50/p99/p99.9/max latency, the
// first arrival and the spread of each line, and the server's RSS (from /proc/PID/status) idle
// and with every socket open. Loopback only; the whole run is bounded by --timeout-s.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

// `ws` is installed (pinned) with the integration tests' packages
const WebSocket = createRequire(new URL('../tests/integration/package.json', import.meta.url))('ws');
const clock = () => performance.timeOrigin + performance.now();

function open(url, cookie) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers: { cookie, origin: url }, perMessageDeflate: false });
    const done = (ok) => { ws.removeAllListeners('open'); resolve(ok ? ws : null); };
    ws.once('open', () => done(true));
    ws.once('error', () => done(false));
    ws.once('unexpected-response', () => done(false));
  });
}

// ---- a worker thread: its share of the sockets and of the room's members ----
if (!isMainThread) {
  const { url, room, cookies, conns, members, offset } = workerData;
  const sockets = [];
  let failed = 0;
  for (let i = 0; i < conns; i += 250) {
    const wave = await Promise.all(Array.from({ length: Math.min(250, conns - i) }, (_, k) => open(url, cookies[(offset + i + k) % cookies.length])));
    for (const ws of wave) if (ws) sockets.push(ws); else failed++;
  }
  parentPort.postMessage({ type: 'connected', connected: sockets.length, failed });
  const arrivals = []; // [seq, time]
  let joined = 0;
  await Promise.all(sockets.slice(0, members).map((ws) => new Promise((resolve) => {
    ws.on('message', (data) => {
      // the clock first, and a chat line recognised without parsing its JSON
      const now = clock();
      const at = data.indexOf('"text":"bench ');
      if (at < 0) {
        const f = JSON.parse(data.toString());
        if (f.type === 'joined' || (f.type === 'error' && f.ref === 'join')) { joined += f.type === 'joined'; resolve(); }
        return;
      }
      arrivals.push([parseInt(data.toString('latin1', at + 14, at + 24), 10), now]);
      if (arrivals.length % 100 === 0) parentPort.postMessage({ type: 'progress', n: arrivals.length });
    });
    ws.send(JSON.stringify({ type: 'join', room, ref: 'join' }));
  })));
  parentPort.postMessage({ type: 'joined', joined });
  parentPort.on('message', (m) => {
    if (m === 'report') parentPort.postMessage({ type: 'arrivals', arrivals });
    if (m === 'close') {
      for (const ws of sockets) ws.terminate();
      process.exit(0);
    }
  });
} else {
  const args = Object.fromEntries(
    process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
  );
  const url = args.url;
  const room = args.room;
  const CONNS = Number(args.conns || 10000);
  const MEMBERS = Number(args.members || 1000);
  const MESSAGES = Number(args.messages || 20);
  const USERS = Number(args.users || 100);
  const THREADS = Math.max(1, Number(args.threads || 2));
  const PID = args.pid ? Number(args.pid) : null;
  const TIMEOUT_S = Number(args['timeout-s'] || 180);
  if (!url || !room || MEMBERS > CONNS) {
    console.error('usage: ws_bench.mjs --url http://127.0.0.1:PORT --room ID [--conns N] [--members N] [--messages N] [--users N] [--threads N] [--pid P]');
    process.exit(2);
  }
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)) {
    console.error('ws_bench: loopback targets only');
    process.exit(2);
  }
  const deadline = setTimeout(() => {
    console.error(`ws_bench: gave up after ${TIMEOUT_S} s`);
    process.exit(1);
  }, TIMEOUT_S * 1000);
  // a server that dies mid-run fails the bench at once rather than at the deadline
  const watchdog = PID && setInterval(() => {
    let state = null;
    try { state = /State:\s+(\S)/.exec(readFileSync(`/proc/${PID}/status`, 'utf8'))?.[1]; } catch { /* gone */ }
    if (!state || state === 'Z') {
      console.error(`ws_bench: the server (pid ${PID}) is gone`);
      process.exit(1);
    }
  }, 500);
  const rssMb = () => {
    if (!PID) return null;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${PID}/status`, 'utf8'));
      return m ? Math.round(Number(m[1]) / 102.4) / 10 : null;
    } catch { return null; }
  };
  async function login(i) {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${url}/api/dev/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: url },
        body: JSON.stringify({ username: `wsb_${process.pid}_${i}` }),
      });
      if (res.status === 200) {
        return res.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('__Host-chatlings='));
      }
      if (attempt >= 5) throw new Error(`dev login ${i}: HTTP ${res.status} ${await res.text()}`);
      await sleep(200);
    }
  }

  const t0 = performance.now();
  const cookies = [];
  for (let i = 0; i < USERS; i += 20) {
    cookies.push(...await Promise.all(Array.from({ length: Math.min(20, USERS - i) }, (_, k) => login(i + k))));
  }
  const rssIdle = rssMb();

  const workers = [];
  let connected = 0, failed = 0, joined = 0, progress = 0;
  const tc = performance.now();
  const connectedAll = [];
  const joinedAll = [];
  for (let w = 0; w < THREADS; w++) {
    const share = (n) => Math.floor(n / THREADS) + (w < n % THREADS ? 1 : 0);
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { url, room, cookies, conns: share(CONNS), members: share(MEMBERS), offset: w * 7919 },
    });
    const counts = { progress: 0 };
    worker.on('message', (m) => {
      if (m.type === 'connected') { connected += m.connected; failed += m.failed; worker.emit('connected-done'); }
      if (m.type === 'joined') { joined += m.joined; worker.emit('joined-done'); }
      if (m.type === 'progress') { progress += m.n - counts.progress; counts.progress = m.n; }
    });
    worker.on('error', (e) => { console.error(`ws_bench worker: ${e.stack || e}`); process.exit(1); });
    connectedAll.push(new Promise((r) => worker.once('connected-done', r)));
    joinedAll.push(new Promise((r) => worker.once('joined-done', r)));
    workers.push(worker);
  }
  await Promise.all(connectedAll);
  const connectS = (performance.now() - tc) / 1000;
  await Promise.all(joinedAll);
  const rssOpen = rssMb();

  // the talker: its own socket, not in the room; one line at a time, the next once this one
  // reached everyone (counted in hundreds by the threads) or after a second
  const talker = await open(url, cookies[0]);
  let acked = 0;
  const ackMs = [];
  talker.on('message', (d) => {
    if (JSON.parse(d.toString()).type !== 'sent') return;
    acked++;
    ackMs.push(clock() - sent.get(acked));
  });
  const sent = new Map();
  for (let s = 1; s <= MESSAGES; s++) {
    const want = Math.floor((joined * s) / 100) * 100 - 100 * THREADS;
    sent.set(s, clock());
    talker.send(JSON.stringify({ type: 'say', room, text: `bench ${s}` }));
    for (const end = performance.now() + 1000; progress < want && performance.now() < end;) await sleep(2);
    await sleep(100);
  }
  await sleep(300);
  const rssAfter = rssMb();
  const arrivals = (await Promise.all(workers.map((w) => new Promise((resolve) => {
    w.on('message', (m) => { if (m.type === 'arrivals') resolve(m.arrivals); });
    w.postMessage('report');
  })))).flat();

  const latencies = [];
  const firstLast = new Map();
  for (const [seq, at] of arrivals) {
    if (!sent.has(seq)) continue;
    const ms = at - sent.get(seq);
    latencies.push(ms);
    const fl = firstLast.get(seq) || [ms, ms];
    firstLast.set(seq, [Math.min(fl[0], ms), Math.max(fl[1], ms)]);
  }
  latencies.sort((a, b) => a - b);
  const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : null);
  const median = (a) => (a.length ? a.sort((x, y) => x - y)[Math.floor(a.length / 2)] : null);
  const round = (v) => (v === null || v === undefined ? null : Math.round(v * 100) / 100);
  console.log(JSON.stringify({
    conns: CONNS, connected, failed, connect_s: round(connectS), members: MEMBERS, joined, threads: THREADS,
    messages: MESSAGES, acked, deliveries: latencies.length, expected: joined * MESSAGES,
    p50_ms: round(pct(50)), p99_ms: round(pct(99)), p999_ms: round(pct(99.9)), max_ms: round(latencies.at(-1)),
    // first arrival: the server's path (store, publish, start of the fan-out); spread: last - first
    ack_p50_ms: round(median([...ackMs])), // the talker's "sent": the line is stored and published
    first_p50_ms: round(median([...firstLast.values()].map((v) => v[0]))),
    spread_p50_ms: round(median([...firstLast.values()].map((v) => v[1] - v[0]))),
    rss_idle_mb: rssIdle, rss_open_mb: rssOpen, rss_after_mb: rssAfter, total_s: round((performance.now() - t0) / 1000),
  }));
  talker.terminate();
  for (const w of workers) w.postMessage('close');
  clearTimeout(deadline);
  if (watchdog) clearInterval(watchdog);
  setTimeout(() => process.exit(0), 500);
}
