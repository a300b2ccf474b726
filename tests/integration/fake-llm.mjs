// fake-llm.mjs: a stand-in for an OpenAI-compatible chat-completions endpoint
// (POST {base}/chat/completions), so that the chatroom writer is tested without the network.
// It answers with a conversation in the shape the prompt asks for and a usage block, and can be
// told to misbehave: setMode('ok' | 'http500' | 'not-json' | 'bad-lines' | 'slow' | 'no-usage').
// Every request is recorded (headers, parsed body) for the tests to inspect.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** A valid conversation of n lines (unique texts, all three sentiments, speakers A-D). */
export function fakeConversation(n = 24, tag = 'fake') {
  const sentiments = ['positive', 'neutral', 'negative'];
  const lines = [];
  for (let i = 0; i < n; i++) {
    lines.push({
      speaker: 'ABCD'[i % 4],
      sentiment: sentiments[i % 3],
      text: `${tag} line ${i + 1}: {${'BCDA'[i % 4]}} thinks this is [really] something.`,
    });
  }
  return { lines };
}

/**
 * Starts the fake on loopback. opts: port (0 = any), usage ({prompt_tokens, completion_tokens}
 * per answer), lines (how many lines to answer with). Returns
 * { url (the base URL to configure, ending in /v1), requests, setMode(m), setUsage(u), stop() }.
 */
export async function startFakeLlm({ port = 0, usage = { prompt_tokens: 400, completion_tokens: 1600 }, lines = 24 } = {}) {
  const requests = [];
  let mode = 'ok';
  let currentUsage = usage;
  let counter = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', async () => {
      let parsed = null;
      try { parsed = JSON.parse(body); } catch { /* recorded as null */ }
      requests.push({ method: req.method, url: req.url, headers: req.headers, body: parsed });
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"not found"}}');
        return;
      }
      counter++;
      const answer = (content, withUsage = true) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({
          id: `chatcmpl-${counter}`,
          object: 'chat.completion',
          model: parsed?.model ?? 'unknown',
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
          ...(withUsage ? { usage: { ...currentUsage, total_tokens: currentUsage.prompt_tokens + currentUsage.completion_tokens } } : {}),
        }));
      };
      switch (mode) {
        case 'http500':
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{"error":{"message":"the model is overloaded"}}');
          return;
        case 'not-json':
          answer('Sure! Here is a lovely chat about your topic, no JSON though.');
          return;
        case 'bad-lines':
          answer(JSON.stringify(fakeConversation(5, `short${counter}`))); // too few lines: refused, still billed
          return;
        case 'slow':
          await sleep(5000);
          answer(JSON.stringify(fakeConversation(lines, `slow${counter}`)));
          return;
        case 'no-usage':
          answer(JSON.stringify(fakeConversation(lines, `nousage${counter}`)), false);
          return;
        default:
          // some models fence their JSON; the client must cope
          answer('```json\n' + JSON.stringify(fakeConversation(lines, `fake${counter}`)) + '\n```');
      }
    });
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    url: `${base}/v1`,
    requests,
    setMode: (m) => { mode = m; },
    setUsage: (u) => { currentUsage = u; },
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

// Run alone: node tests/integration/fake-llm.mjs [--port P]
if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--port');
  const f = await startFakeLlm({ port: i > 0 ? Number(process.argv[i + 1]) : 0 });
  console.log(JSON.stringify({ url: f.url }));
}
