// front.mjs: a stand-in for the chatlings binary's own static file serving, used by the e2e
// tests only when the server under test does not serve the PWA itself (GET / is not HTML):
// serves web/dist (SPA fallback to index.html, the page CSP the server will send, no-cache
// for sw.js and index.html) and proxies /api, /auth, /ws and /healthz to the server, keeping
// the Host header so the server's same-origin checks see the browser's origin.
import http from 'node:http';
import net from 'node:net';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

export const PAGE_CSP =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.json': 'application/json',
  '.webmanifest': 'application/manifest+json', '.txt': 'text/plain; charset=utf-8',
};

function isProxied(p) {
  return p.startsWith('/api/') || p.startsWith('/auth/') || p === '/ws' || p === '/healthz' || p === '/readyz';
}

/** Starts the front on a free port; returns { url, port, close() }. */
export async function startFront({ dist, backend, port = 0 }) {
  const b = new URL(backend);
  const server = http.createServer(async (req, res) => {
    const u = new URL(req.url, 'http://x');
    if (isProxied(u.pathname)) {
      const up = http.request(
        { host: b.hostname, port: b.port, method: req.method, path: req.url, headers: req.headers },
        (ur) => {
          res.writeHead(ur.statusCode, ur.headers);
          ur.pipe(res);
        },
      );
      up.on('error', () => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"unavailable","message":"backend down"}}');
      });
      req.pipe(up);
      return;
    }
    let file = path.join(dist, path.normalize(decodeURIComponent(u.pathname)).replace(/^(\.\.[/\\])+/, ''));
    let st = await stat(file).catch(() => null);
    let fallback = false;
    if (!st || st.isDirectory()) {
      file = path.join(dist, 'index.html');
      fallback = true;
      st = await stat(file).catch(() => null);
    }
    if (!st) {
      res.writeHead(404).end('not found');
      return;
    }
    const ext = path.extname(file);
    const headers = {
      'content-type': TYPES[ext] || 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'cache-control': u.pathname.startsWith('/assets/') && !fallback ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    if (ext === '.html') headers['content-security-policy'] = PAGE_CSP;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : await readFile(file));
  });
  // WebSocket upgrades are piped through as raw TCP
  server.on('upgrade', (req, socket, head) => {
    const up = net.connect(Number(b.port), b.hostname, () => {
      let h = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) h += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      up.write(`${h}\r\n`);
      if (head?.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const p = server.address().port;
  return {
    url: `http://127.0.0.1:${p}`,
    port: p,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}
