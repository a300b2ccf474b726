// fake-push.mjs: a push service of our own for the Web Push tests. It accepts messages the way
// FCM or Mozilla's autopush do (POST to the subscription's endpoint, 201), checks the VAPID
// authorization (ES256 JWT for this origin, signed by the key named in k=), and decrypts the
// aes128gcm body (RFC 8291) with the subscriber's private key, as the browser would.
// makeSubscriber() plays the browser's part: a P-256 key pair and an auth secret.
import crypto from 'node:crypto';
import http from 'node:http';
import { freePort } from './harness.mjs';

const b64u = (b) => Buffer.from(b).toString('base64url');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();

/** A browser's push keys: { publicKey (65 bytes), p256dh, auth, authSecret, decrypt(body) }. */
export function makeSubscriber() {
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.generateKeys();
  const authSecret = crypto.randomBytes(16);
  const publicKey = ecdh.getPublicKey();
  return {
    publicKey,
    p256dh: b64u(publicKey),
    auth: b64u(authSecret),
    authSecret,
    /** RFC 8291 decryption of one aes128gcm body; returns the plaintext Buffer (throws if bad). */
    decrypt(body) {
      const salt = body.subarray(0, 16);
      const rs = body.readUInt32BE(16);
      const idlen = body[20];
      const asPublic = body.subarray(21, 21 + idlen);
      const record = body.subarray(21 + idlen);
      if (idlen !== 65 || rs < 18 || record.length > rs) throw new Error(`bad header (idlen ${idlen}, rs ${rs})`);
      const secret = ecdh.computeSecret(asPublic);
      const prkKey = hmac(authSecret, secret);
      const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), publicKey, asPublic]);
      const ikm = hmac(prkKey, Buffer.concat([keyInfo, Buffer.from([1])]));
      const prk = hmac(salt, ikm);
      const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16);
      const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12);
      const d = crypto.createDecipheriv('aes-128-gcm', cek, nonce);
      d.setAuthTag(record.subarray(record.length - 16));
      const padded = Buffer.concat([d.update(record.subarray(0, record.length - 16)), d.final()]);
      let end = padded.length - 1;
      while (end >= 0 && padded[end] === 0) end--;
      if (padded[end] !== 2) throw new Error('the record does not end with the last-record delimiter');
      return padded.subarray(0, end);
    },
  };
}

/** Checks "vapid t=<jwt>, k=<key>" for audience; returns { claims, key } or throws. */
export function verifyVapid(authorization, audience) {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization || '');
  if (!m) throw new Error(`not a VAPID authorization: ${authorization}`);
  const [, token, k] = m;
  const [h, c, s] = token.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const claims = JSON.parse(Buffer.from(c, 'base64url'));
  if (header.alg !== 'ES256') throw new Error(`alg ${header.alg}`);
  const raw = Buffer.from(k, 'base64url');
  const key = crypto.createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64u(raw.subarray(1, 33)), y: b64u(raw.subarray(33, 65)) },
    format: 'jwk',
  });
  const ok = crypto.verify('sha256', Buffer.from(`${h}.${c}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  if (!ok) throw new Error('bad VAPID signature');
  if (claims.aud !== audience) throw new Error(`aud ${claims.aud}, want ${audience}`);
  const now = Date.now() / 1000;
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600 + 60)) throw new Error(`exp ${claims.exp} out of range`);
  if (!/^(mailto:|https:)/.test(claims.sub || '')) throw new Error(`sub ${claims.sub}`);
  return { claims, key: k };
}

/**
 * Starts the push service. Endpoints are `${url}/push/<name>`; setStatus(name, code) makes one
 * endpoint answer code (410 for a vanished subscription, 500 for an outage).
 * Returns { url, origin, endpoint(name), received: [{name, headers, body}], waitFor(pred, ms), setStatus, stop() }.
 */
export async function startFakePush() {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const received = [];
  const statuses = new Map();
  const waiters = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const m = /^\/push\/([\w-]+)$/.exec(req.url);
      if (req.method !== 'POST' || !m) {
        res.writeHead(404).end();
        return;
      }
      const entry = { name: m[1], headers: req.headers, body: Buffer.concat(chunks) };
      received.push(entry);
      for (const w of waiters) w();
      const code = statuses.get(m[1]) ?? 201;
      res.writeHead(code, code === 201 ? { location: `${origin}/message/${received.length}` } : {}).end();
    });
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: origin,
    origin,
    received,
    endpoint: (name) => `${origin}/push/${name}`,
    setStatus: (name, code) => statuses.set(name, code),
    /** Resolves with the first received entry matching pred, waiting up to ms. */
    waitFor(pred, ms = 15000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const e = received.find(pred);
          if (e) { done(); resolve(e); }
        };
        const timer = setTimeout(() => { done(); reject(new Error(`no matching push within ${ms} ms (${received.length} received)`)); }, ms);
        const done = () => { clearTimeout(timer); waiters.delete(check); };
        waiters.add(check);
        check();
      });
    },
    stop() {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
