// fake-keyvault.mjs: a stand-in for Azure's managed-identity token service (IMDS and App
// Service's IDENTITY_ENDPOINT) and for Key Vault's secrets API, on loopback, for the tests.
// The real endpoints (169.254.169.254, *.vault.azure.net) are never contacted by the tests.
//
//   const kv = await startFakeKeyVault({ secrets: { 'database-url': '...' } });
//   kv.msiUrl    -> CHATLINGS_MSI_ENDPOINT   (GET ?api-version=2018-02-01&resource=... with Metadata: true)
//   kv.appServiceUrl + kv.identityHeader -> IDENTITY_ENDPOINT / IDENTITY_HEADER
//   kv.vaultUrl  -> CHATLINGS_KEYVAULT_URL   (GET /secrets/NAME?api-version=7.4 with the bearer token)
//   kv.requests  every request seen: { path, query, headers }
//   kv.failSecret(name, status) makes one secret answer an error
import http from 'node:http';
import { randomBytes } from 'node:crypto';

export async function startFakeKeyVault({ secrets = {} } = {}) {
  const token = `fake-token-${randomBytes(12).toString('hex')}`;
  const identityHeader = `idh-${randomBytes(8).toString('hex')}`;
  const failures = new Map();
  const requests = [];
  const json = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const tokenBody = () => ({
    access_token: token, token_type: 'Bearer', expires_in: '3599', resource: 'https://vault.azure.net',
  });
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    requests.push({ path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers });
    if (u.pathname === '/metadata/identity/oauth2/token') {
      // IMDS: Metadata: true is required (it keeps SSRF'd requests out)
      if (req.headers.metadata !== 'true') return json(res, 400, { error: 'bad_request', error_description: 'Metadata header required' });
      if (u.searchParams.get('api-version') !== '2018-02-01' || !u.searchParams.get('resource')) {
        return json(res, 400, { error: 'invalid_request' });
      }
      return json(res, 200, tokenBody());
    }
    if (u.pathname === '/msi/token') {
      // App Service: X-IDENTITY-HEADER must carry IDENTITY_HEADER
      if (req.headers['x-identity-header'] !== identityHeader || u.searchParams.get('api-version') !== '2019-08-01') {
        return json(res, 401, { error: 'unauthorized' });
      }
      return json(res, 200, tokenBody());
    }
    const m = /^\/secrets\/([A-Za-z0-9-]+)$/.exec(u.pathname);
    if (m) {
      if (req.headers.authorization !== `Bearer ${token}`) {
        return json(res, 401, { error: { code: 'Unauthorized', message: 'bad token' } });
      }
      if (u.searchParams.get('api-version') !== '7.4') return json(res, 400, { error: { code: 'BadParameter' } });
      const name = m[1];
      if (failures.has(name)) return json(res, failures.get(name), { error: { code: 'Forbidden', message: 'denied' } });
      if (!(name in secrets)) return json(res, 404, { error: { code: 'SecretNotFound', message: `${name} not found` } });
      return json(res, 200, {
        value: secrets[name],
        id: `${vaultUrl}/secrets/${name}/0123456789abcdef`,
        attributes: { enabled: true },
      });
    }
    json(res, 404, { error: { code: 'NotFound' } });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  const vaultUrl = base;
  return {
    token,
    identityHeader,
    requests,
    secrets,
    msiUrl: `${base}/metadata/identity/oauth2/token`,
    appServiceUrl: `${base}/msi/token`,
    vaultUrl,
    failSecret: (name, status) => failures.set(name, status),
    clearFailures: () => failures.clear(),
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
