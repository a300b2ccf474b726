// /metrics: served on the ops listener only, in a format Prometheus parses (checked by our own
// parser and by `promtool check metrics`), with counters that move with the traffic; and the
// optional Application Insights exporter, against a fake ingestion endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startServer, api, ROOT } from './harness.mjs';
import { startFakeAppInsights } from './fake-appinsights.mjs';

let srv;
let ids;
before(async () => {
  srv = await startServer();
  const r = await api(srv.url, '/api/creatures?limit=3');
  ids = r.json.creatures.map((c) => c.id);
});
after(async () => { await srv?.stop(); });

/** Parses the text format strictly: { samples: Map(key -> value), types: Map(family -> type) }. */
export function parseMetrics(text) {
  const types = new Map();
  const samples = new Map();
  const lineRe = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/;
  const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) continue;
    const t = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (t) {
      assert.ok(!types.has(t[1]), `family ${t[1]} declared twice`);
      types.set(t[1], t[2]);
      continue;
    }
    assert.ok(!line.startsWith('#'), `unexpected comment: ${line}`);
    const m = lineRe.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const [, name, , labelText = '', value] = m;
    if (labelText) {
      labelRe.lastIndex = 0;
      let consumed = 0;
      let lm;
      while ((lm = labelRe.exec(labelText))) consumed = labelRe.lastIndex;
      assert.equal(consumed, labelText.length, `bad labels: ${line}`);
    }
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(family), `sample before its # TYPE: ${line}`);
    const v = value === '+Inf' ? Infinity : value === '-Inf' ? -Infinity : Number(value);
    assert.ok(!Number.isNaN(v) || value === 'NaN', `bad value: ${line}`);
    const key = labelText ? `${name}{${labelText}}` : name;
    assert.ok(!samples.has(key), `duplicate series ${key}`);
    samples.set(key, v);
  }
  return { types, samples };
}

async function scrape(s = srv) {
  const r = await fetch(`${s.opsUrl}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const text = await r.text();
  return { text, ...parseMetrics(text) };
}

const val = (m, key) => m.samples.get(key) ?? 0;
const reqKey = (route, method, status) =>
  `chatlings_http_requests_total{route="${route}",method="${method}",status="${status}"}`;

test('/metrics is on the ops listener only', async () => {
  const pub = await api(srv.url, '/metrics');
  assert.equal(pub.status, 404);
  const m = await scrape();
  assert.equal(m.types.get('chatlings_http_requests_total'), 'counter');
  assert.equal(m.types.get('chatlings_http_request_duration_seconds'), 'histogram');
  // the ops listener has no API
  assert.equal((await fetch(`${srv.opsUrl}/api/traits`)).status, 404);
  assert.equal((await fetch(`${srv.opsUrl}/healthz`)).status, 200);
});

test('request counters and durations move by route pattern and status', async () => {
  const before = await scrape();
  for (let i = 0; i < 3; i++) assert.equal((await api(srv.url, '/api/traits')).status, 200);
  assert.equal((await api(srv.url, '/api/creature/not-a-uuid/details')).status, 400);
  assert.equal((await api(srv.url, `/api/creature/${ids[0]}/details`)).status, 200);
  assert.equal((await api(srv.url, '/no/such/thing')).status, 404);
  assert.equal((await api(srv.url, '/api/traits', { method: 'DELETE' })).status, 405);
  const after = await scrape();
  const d = (k) => val(after, k) - val(before, k);
  assert.equal(d(reqKey('/api/traits', 'GET', 200)), 3);
  assert.equal(d(reqKey('/api/creature/:id/details', 'GET', 400)), 1);
  assert.equal(d(reqKey('/api/creature/:id/details', 'GET', 200)), 1);
  assert.equal(d(reqKey('(unmatched)', '', 404)), 1);
  assert.equal(d(reqKey('(unmatched)', '', 405)), 1);
  // raw paths never become labels
  assert.ok(![...after.samples.keys()].some((k) => k.includes('not-a-uuid') || k.includes('/no/such')));
  const h = 'chatlings_http_request_duration_seconds';
  const lbl = 'route="/api/traits",method="GET"';
  assert.equal(val(after, `${h}_count{${lbl}}`) - val(before, `${h}_count{${lbl}}`), 3);
  assert.equal(val(after, `${h}_bucket{${lbl},le="+Inf"}`), val(after, `${h}_count{${lbl}}`));
  // buckets are cumulative
  let prev = 0;
  for (const [k, v] of after.samples) {
    if (!k.startsWith(`${h}_bucket{${lbl},`)) continue;
    assert.ok(v >= prev, `${k} decreased`);
    prev = v;
  }
  assert.ok(val(after, `${h}_sum{${lbl}}`) > val(before, `${h}_sum{${lbl}}`));
});

test('database, cache, Redis and queue gauges', async () => {
  const before = await scrape();
  await api(srv.url, '/api/creatures?limit=2');
  await api(srv.url, `/api/creature/${ids[1]}/details`);
  await api(srv.url, `/api/creature/${ids[1]}/details`);
  const after = await scrape();
  const d = (k) => val(after, k) - val(before, k);
  assert.ok(d('chatlings_db_query_duration_seconds_count') >= 1);
  assert.ok(d('chatlings_db_queries_total{outcome="ok"}') >= 1);
  assert.ok(d('chatlings_cache_hits_total') + d('chatlings_cache_misses_total') >= 2);
  assert.ok(d('chatlings_cache_hits_total') >= 1, 'the second read of the same creature is a cache hit');
  assert.equal(val(after, 'chatlings_postgres_up'), 1);
  assert.equal(val(after, 'chatlings_redis_up'), 1);
  assert.ok(val(after, 'chatlings_db_pool_open_connections{pool="primary"}') >= 1);
  assert.ok(val(after, 'chatlings_redis_maxmemory_bytes') > 0);
  assert.ok(after.samples.has('chatlings_queue_jobs{queue="default",state="ready"}'));
  assert.ok(val(after, 'chatlings_redis_client_connects_total') >= 1);
  assert.ok(val(after, 'process_resident_memory_bytes') > 1e6);
  assert.ok(val(after, 'chatlings_cpu_cores') >= 1);
  assert.ok(after.samples.has('chatlings_websocket_connections'));
});

test('promtool check metrics accepts the exposition', async (t) => {
  const m = await scrape();
  const res = await new Promise((resolve) => {
    const local = path.join(ROOT, 'var/tools/promtool'); // where scripts/deps.sh puts it
    const p = execFile(existsSync(local) ? local : 'promtool', ['check', 'metrics'], (err, stdout, stderr) => resolve({ err, stdout, stderr }));
    p.stdin.end(m.text);
  });
  if (res.err?.code === 'ENOENT') { t.skip('promtool is not installed (scripts/deps.sh installs it)'); return; }
  assert.equal(res.err, null, `promtool: ${res.stdout}${res.stderr}`);
});

test('5xx responses count as exceptions and reach Application Insights', async (t) => {
  const ai = await startFakeAppInsights();
  t.after(() => ai.close());
  // a server whose database is unreachable answers 503 at once (connection refused)
  const bad = await startServer({
    t,
    env: {
      DATABASE_URL: 'postgresql://chatlings@127.0.0.1:9/chatlings',
      CHATLINGS_APPINSIGHTS_CONNECTION_STRING: ai.connectionString,
      CHATLINGS_APPINSIGHTS_INTERVAL_MS: '200',
    },
  });
  assert.equal((await api(bad.url, '/api/traits')).status, 503);
  const m = await scrape(bad);
  assert.equal(val(m, reqKey('/api/traits', 'GET', 503)), 1);
  assert.equal(val(m, 'chatlings_exceptions_total{kind="http_5xx"}'), 1);
  assert.equal(val(m, 'chatlings_postgres_up'), 0);
  const [req] = await ai.waitFor((it) => it.data.baseType === 'RequestData' && it.data.baseData.name === 'GET /api/traits');
  assert.equal(req.data.baseData.responseCode, '503');
  assert.equal(req.data.baseData.success, false);
  await bad.stop();
  assert.ok(!bad.logs.all.includes(ai.ikey), 'the instrumentation key is not logged');
});

test('Application Insights: requests and dependencies in batches, retried after a failure', async (t) => {
  const ai = await startFakeAppInsights();
  t.after(() => ai.close());
  const s = await startServer({
    t,
    env: { CHATLINGS_APPINSIGHTS_CONNECTION_STRING: ai.connectionString, CHATLINGS_APPINSIGHTS_INTERVAL_MS: '200' },
  });
  ai.failNext(1, 503);
  for (let i = 0; i < 5; i++) assert.equal((await api(s.url, '/api/creatures?limit=1')).status, 200);
  const reqs = await ai.waitFor(
    (it) => it.data.baseType === 'RequestData' && it.data.baseData.name === 'GET /api/creatures', { count: 5 });
  const r = reqs[0];
  assert.equal(r.name, 'Microsoft.ApplicationInsights.Request');
  assert.equal(r.data.baseData.responseCode, '200');
  assert.equal(r.data.baseData.success, true);
  assert.match(r.data.baseData.duration, /^\d+\.\d\d:\d\d:\d\d\.\d{3}$/);
  assert.match(r.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(r.tags['ai.cloud.role'], 'chatlings-web');
  assert.equal(r.tags['ai.operation.id'], r.data.baseData.id);
  const deps = await ai.waitFor((it) => it.data.baseType === 'RemoteDependencyData');
  assert.equal(deps[0].data.baseData.type, 'PostgreSQL');
  assert.ok(ai.posts >= 2, 'the failed POST was retried');
  // on SIGTERM what is queued is flushed
  await api(s.url, '/api/body-types');
  await s.stop();
  await ai.waitFor((it) => it.data.baseData?.name === 'GET /api/body-types', { timeoutMs: 2000 });
});

test('a bad connection string stops the start', async (t) => {
  await assert.rejects(
    startServer({ env: { CHATLINGS_APPINSIGHTS_CONNECTION_STRING: 'IngestionEndpoint=http://127.0.0.1:9/' }, healthTimeoutMs: 3000 }),
    /InstrumentationKey/);
});
