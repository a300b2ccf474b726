// fake-appinsights.mjs: a stand-in for Application Insights' ingestion endpoint
// (POST /v2/track, a JSON array of envelopes, or newline-delimited JSON), on loopback.
//
//   const ai = await startFakeAppInsights();
//   ai.connectionString  -> CHATLINGS_APPINSIGHTS_CONNECTION_STRING
//   ai.items             every envelope received, in order
//   ai.posts             how many POSTs arrived
//   ai.failNext(n, status) answers the next n POSTs with status (to test retries)
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export async function startFakeAppInsights() {
  const ikey = randomUUID();
  const items = [];
  let posts = 0;
  let failures = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url, 'http://x');
      if (req.method !== 'POST' || u.pathname !== '/v2/track') {
        res.writeHead(404).end();
        return;
      }
      posts++;
      if (failures.length) {
        res.writeHead(failures.shift(), { 'content-type': 'application/json' });
        res.end('{"itemsReceived":0,"itemsAccepted":0,"errors":[]}');
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      let batch;
      try {
        batch = text.trim().startsWith('[') ? JSON.parse(text) : text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad json"}');
        return;
      }
      const errors = [];
      batch.forEach((it, index) => {
        // what the real service checks first: the key, a known envelope, a time
        if (it.iKey !== ikey || !it.name || !it.time || !it.data?.baseType) {
          errors.push({ index, statusCode: 400, message: 'invalid envelope' });
        }
      });
      items.push(...batch.filter((_, i) => !errors.some((e) => e.index === i)));
      res.writeHead(errors.length ? 206 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ itemsReceived: batch.length, itemsAccepted: batch.length - errors.length, errors }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${server.address().port}/`;
  return {
    ikey,
    items,
    get posts() { return posts; },
    connectionString: `InstrumentationKey=${ikey};IngestionEndpoint=${endpoint};LiveEndpoint=${endpoint}`,
    failNext: (n, status = 503) => { failures = Array(n).fill(status); },
    /** Resolves with the matching items once pred holds for at least `count` of them. */
    async waitFor(pred, { count = 1, timeoutMs = 10000 } = {}) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const got = items.filter(pred);
        if (got.length >= count) return got;
        if (Date.now() > end) throw new Error(`fake App Insights: ${got.length}/${count} matching items after ${timeoutMs} ms`);
        await sleep(50);
      }
    },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
