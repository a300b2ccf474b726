// smoke.test.mjs: the server starts against the test stack, answers /healthz, renders unknown
// paths as the API's JSON error, and stops cleanly (exit 0, no sanitizer report) on SIGTERM.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from './harness.mjs';

describe('smoke: chatlings serve', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { if (srv && !srv.exitInfo) await srv.stop(); });

  it('GET /healthz is 200 {"status":"ok"}', async () => {
    const r = await api(srv.url, '/healthz');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') || '', /application\/json/);
    assert.equal(r.json?.status, 'ok', `body: ${r.text}`);
  });

  it('an unknown path is 404 with the JSON error shape', async () => {
    const r = await api(srv.url, '/api/no-such-thing-here');
    assert.equal(r.status, 404);
    assert.match(r.headers.get('content-type') || '', /application\/json/);
    assert.equal(r.json?.error?.code, 'not_found', `body: ${r.text}`);
    assert.equal(typeof r.json.error.message, 'string');
  });

  it('SIGTERM stops it with exit code 0', async () => {
    const res = await srv.stop({ signal: 'SIGTERM', timeoutMs: 15000 });
    assert.deepEqual({ code: res.code, signal: res.signal }, { code: 0, signal: null },
      `exit ${JSON.stringify(res)}; log tail:\n${srv.logs.tail()}`);
  });
});
