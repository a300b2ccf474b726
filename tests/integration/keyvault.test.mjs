// Secrets from Key Vault: fetched at start-up with a managed-identity token (a fake token service
// and vault of our own), used by the server, never printed by `chatlings config` or the logs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, api, runChatlings, TEST_DATABASE_URL, TEST_REDIS_URL } from './harness.mjs';
import { startFakeKeyVault } from './fake-keyvault.mjs';

let kv;
const secretWord = `pw${randomBytes(10).toString('hex')}`;
const sessionSecret = `session-${randomBytes(24).toString('hex')}`;
// trust authentication on the test cluster ignores the password, so it can be a marker we grep for
const dbUrl = (() => { const u = new URL(TEST_DATABASE_URL); u.password = secretWord; return u.toString(); })();

before(async () => {
  kv = await startFakeKeyVault({
    secrets: {
      'database-url': dbUrl,
      'redis-url': TEST_REDIS_URL,
      'session-secret': sessionSecret,
    },
  });
});
after(async () => { await kv?.close(); });

// The stack env sets DATABASE_URL and REDIS_URL: blank them so the vault fills them.
const vaultEnv = (extra = {}) => ({
  DATABASE_URL: '', REDIS_URL: '',
  CHATLINGS_KEYVAULT_URL: kv.vaultUrl,
  CHATLINGS_MSI_ENDPOINT: kv.msiUrl,
  ...extra,
});

function assertNoSecrets(text) {
  assert.ok(!text.includes(secretWord), 'the database password leaked');
  assert.ok(!text.includes(sessionSecret), 'the session secret leaked');
  assert.ok(!text.includes(kv.token), 'the access token leaked');
}

test('chatlings config: values from the vault, masked', async () => {
  kv.requests.length = 0;
  const r = await runChatlings(['config'], { env: vaultEnv() });
  assert.equal(r.code, 0, r.stderr);
  assertNoSecrets(r.stdout + r.stderr);
  assert.match(r.stdout, /^DATABASE_URL=postgresql:\/\/chatlings:\*\*\*@127\.0\.0\.1/m);
  assert.match(r.stdout, /^CHATLINGS_SESSION_SECRET=\*\*\*$/m);
  assert.match(r.stdout, new RegExp(`^CHATLINGS_KEYVAULT_URL=${kv.vaultUrl}$`, 'm'));
  assert.match(r.stderr, /3 secrets loaded from Key Vault/);
  // one token, with the IMDS header and the vault's resource; then one GET per mapped secret
  const tokenReqs = kv.requests.filter((q) => q.path.endsWith('/oauth2/token'));
  assert.equal(tokenReqs.length, 1);
  assert.equal(tokenReqs[0].headers.metadata, 'true');
  assert.equal(tokenReqs[0].query.resource, 'https://vault.azure.net');
  const secretReqs = kv.requests.filter((q) => q.path.startsWith('/secrets/'));
  assert.ok(secretReqs.some((q) => q.path === '/secrets/database-url'));
  assert.ok(secretReqs.every((q) => q.query['api-version'] === '7.4'));
});

test('the server starts with the vault\'s secrets and serves', async (t) => {
  const srv = await startServer({ t, env: vaultEnv({ CHATLINGS_ENV: 'development' }) });
  const r = await api(srv.url, '/readyz');
  assert.equal(r.status, 200, r.text);
  assert.equal((await api(srv.url, '/api/traits')).status, 200);
  await srv.stop();
  assertNoSecrets(srv.logs.all);
});

test('production refuses a Key Vault URL that is not https', async () => {
  const r = await runChatlings(['config'], {
    env: vaultEnv({
      CHATLINGS_ENV: 'production',
      CHATLINGS_PUBLIC_URL: 'https://chatlings.example',
      CHATLINGS_TOKEN_KEY: randomBytes(32).toString('base64'),
      CHATLINGS_KEYVAULT_URL: kv.vaultUrl, // http://
    }),
  });
  assert.equal(r.code, 78);
  assert.match(r.stderr, /CHATLINGS_KEYVAULT_URL must be an https:\/\/ URL/);
  assertNoSecrets(r.stdout + r.stderr);
});

test('an explicit variable beats the vault; a secret the vault lacks is skipped', async () => {
  const r = await runChatlings(['config'], {
    env: vaultEnv({
      CHATLINGS_SESSION_SECRET: 'explicit-session-secret-of-the-operator-xx',
      CHATLINGS_KEYVAULT_SECRETS: 'DATABASE_URL=database-url,CHATLINGS_SESSION_SECRET=session-secret,CHATLINGS_OIDC_CLIENT_SECRET=not-there',
    }),
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /1 secrets loaded from Key Vault, 1 kept from the environment, 1 not in the vault/);
  assert.match(r.stdout, /^CHATLINGS_OIDC_CLIENT_SECRET=$/m);
});

test('a vault that refuses stops the start with exit 78, naming the secret, not its value', async () => {
  kv.failSecret('session-secret', 403);
  try {
    const r = await runChatlings(['config'], { env: vaultEnv() });
    assert.equal(r.code, 78);
    assert.match(r.stderr, /secret session-secret: the vault answered 403 Forbidden/);
    assert.equal(r.stdout, '');
    assertNoSecrets(r.stderr);
  } finally {
    kv.clearFailures();
  }
});

test('no token service: a clear error, quickly', async () => {
  const t0 = Date.now();
  const r = await runChatlings(['config'], { env: vaultEnv({ CHATLINGS_MSI_ENDPOINT: 'http://127.0.0.1:9/token' }) });
  assert.equal(r.code, 78);
  assert.match(r.stderr, /managed-identity token endpoint unreachable/);
  assert.ok(Date.now() - t0 < 10000);
});

test('App Service identity: IDENTITY_ENDPOINT + IDENTITY_HEADER', async () => {
  kv.requests.length = 0;
  const r = await runChatlings(['config'], {
    env: vaultEnv({ CHATLINGS_MSI_ENDPOINT: '', IDENTITY_ENDPOINT: kv.appServiceUrl, IDENTITY_HEADER: kv.identityHeader }),
  });
  assert.equal(r.code, 0, r.stderr);
  const tokenReq = kv.requests.find((q) => q.path === '/msi/token');
  assert.ok(tokenReq, 'the App Service token endpoint was used');
  assert.equal(tokenReq.headers['x-identity-header'], kv.identityHeader);
  assertNoSecrets(r.stdout + r.stderr);
});
