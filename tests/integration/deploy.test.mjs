// What can be checked of deploy/ without a cloud: the systemd units load and keep their hardening
// (systemd-analyze verify / security), the Bicep modules and parameter files agree with each
// other (no Bicep compiler runs offline, so a static cross-check of names), and `make dist`
// packs what a host needs with correct checksums.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, readdir, writeFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, ROOT } from './harness.mjs';

const execFileP = promisify(execFile);
const DEPLOY = path.join(ROOT, 'deploy');

async function have(cmd) {
  try { await execFileP(cmd, ['--version']); return true; } catch { return false; }
}

test('systemd units: verify, and exposure stays low', async (t) => {
  if (!await have('systemd-analyze')) { t.skip('systemd-analyze is not installed'); return; }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'chatlings-units-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const units = (await readdir(path.join(DEPLOY, 'systemd'))).filter((f) => /\.(service|timer)$/.test(f));
  assert.ok(units.includes('chatlings-web.service') && units.includes('chatlings-worker.service'));
  for (const u of units) {
    // the binary where the test has it, so that verify can check ExecStart
    const text = (await readFile(path.join(DEPLOY, 'systemd', u), 'utf8')).replaceAll('/opt/chatlings/bin/chatlings', BIN);
    await writeFile(path.join(dir, u), text);
  }
  const { stderr } = await execFileP('systemd-analyze', ['verify', ...units.filter((u) => u.startsWith('chatlings')).map((u) => path.join(dir, u))]);
  assert.equal(stderr.trim(), '', stderr);
  for (const u of ['chatlings-web.service', 'chatlings-worker.service']) {
    const { stdout } = await execFileP('systemd-analyze', ['security', '--offline=yes', path.join(dir, u)]);
    const m = /Overall exposure level for \S+: ([\d.]+)/.exec(stdout);
    assert.ok(m, stdout.slice(-500));
    assert.ok(Number(m[1]) <= 2.0, `${u}: exposure ${m[1]}`);
    const text = await readFile(path.join(dir, u), 'utf8');
    for (const d of ['ProtectSystem=strict', 'NoNewPrivileges=yes', 'CapabilityBoundingSet=', 'User=chatlings']) {
      assert.ok(text.includes(`\n${d}\n`), `${u} lacks ${d}`);
    }
  }
});

// ---- Bicep: a static cross-check ----

function params(text) {
  // `param name type` (decorators on the lines above); default values make a param optional
  const out = new Map();
  for (const m of text.matchAll(/^param (\w+) (\w+)( = .*)?$/gm)) out.set(m[1], { type: m[2], optional: !!m[3] });
  const secure = new Set([...text.matchAll(/@secure\(\)\s*\n(?:@[^\n]*\n)*param (\w+)/g)].map((m) => m[1]));
  return { params: out, secure };
}

function balanced(text) {
  const pairs = { '{': '}', '[': ']', '(': ')' };
  const stack = [];
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) { if (c === '\\') i++; else if (c === "'") inStr = false; continue; }
    if (c === "'") { inStr = true; continue; }
    if (c === '/' && text[i + 1] === '/') { i = text.indexOf('\n', i); if (i < 0) break; continue; }
    if (pairs[c]) stack.push(pairs[c]);
    else if (')]}'.includes(c) && stack.pop() !== c) return false;
  }
  return stack.length === 0 && !inStr;
}

test('Bicep: modules exist, get every parameter they need and none they lack', async () => {
  const azure = path.join(DEPLOY, 'azure');
  const main = await readFile(path.join(azure, 'main.bicep'), 'utf8');
  const files = (await readdir(path.join(azure, 'modules'))).filter((f) => f.endsWith('.bicep'));
  for (const f of ['main.bicep', ...files.map((x) => `modules/${x}`)]) {
    assert.ok(balanced(await readFile(path.join(azure, f), 'utf8')), `${f}: unbalanced brackets or quotes`);
  }
  const uses = [...main.matchAll(/^module (\w+) '([^']+)' = \{\n  name: '[^']+'\n  params: \{\n([\s\S]*?)\n  \}\n\}/gm)];
  assert.ok(uses.length >= 9, `modules used: ${uses.length}`);
  for (const [, sym, file, body] of uses) {
    const p = path.join(azure, file);
    assert.ok(existsSync(p), `${file} is missing`);
    const { params: declared } = params(await readFile(p, 'utf8'));
    const given = [...body.matchAll(/^    (\w+):/gm)].map((m) => m[1]);
    for (const g of given) assert.ok(declared.has(g), `${sym}: ${file} has no param ${g}`);
    for (const [name, d] of declared) if (!d.optional) assert.ok(given.includes(name), `${sym}: ${file} needs ${name}`);
    // every output the main file reads from this module exists
    const outputs = new Set([...(await readFile(p, 'utf8')).matchAll(/^output (\w+) /gm)].map((m) => m[1]));
    for (const m of main.matchAll(new RegExp(`\\b${sym}\\.outputs\\.(\\w+)`, 'g'))) {
      assert.ok(outputs.has(m[1]), `${file} has no output ${m[1]}`);
    }
  }
  // the parameter files name only real parameters, and give every required one that is not secret
  const { params: top, secure } = params(main);
  for (const env of ['dev', 'prod']) {
    const pf = JSON.parse(await readFile(path.join(azure, `parameters.${env}.json`), 'utf8'));
    for (const k of Object.keys(pf.parameters)) assert.ok(top.has(k), `parameters.${env}.json: unknown ${k}`);
    for (const [k, d] of top) {
      if (!d.optional && !secure.has(k)) assert.ok(k in pf.parameters, `parameters.${env}.json lacks ${k}`);
    }
    assert.equal(pf.parameters.environmentName.value, env);
  }
});

test('Bicep keeps the seed\'s settings', async () => {
  const read = (f) => readFile(path.join(DEPLOY, 'azure', f), 'utf8');
  const pg = await read('modules/postgres.bicep');
  assert.match(pg, /version: '15'/);
  assert.match(pg, /backupRetentionDays: 35/);
  const st = await read('modules/storage.bicep');
  assert.match(st, /deleteRetentionPolicy: \{ enabled: true, days: 7 \}/);
  assert.match(st, /tierToCool: \{ daysAfterModificationGreaterThan: 90 \}/);
  const redis = await read('modules/redis.bicep');
  assert.match(redis, /enableNonSslPort: false/);
  assert.match(redis, /'maxmemory-policy': 'volatile-lru'/);
  const app = await read('modules/appservice.bicep');
  for (const s of ["'staging'", 'clientAffinityEnabled: false', 'http20Enabled: true', "minTlsVersion: '1.2'",
    'webSocketsEnabled: true', "threshold: 70", "threshold: 30", "minimum: prod ? '2' : '1'", "maximum: prod ? '10' : '2'"]) {
    assert.ok(app.includes(s), `appservice.bicep lacks ${s}`);
  }
  const alerts = await read('modules/alerts.bicep');
  for (const a of ['response-time-over-2s', 'response-time-over-5s', 'error-rate-over-5', 'error-rate-over-10',
    'cache-hit-ratio-under-70', 'app-cpu-over-80', 'app-memory-over-85', 'db-storage-over-80', 'service-down',
    'database-unavailable', 'redis-memory-over-80']) {
    assert.ok(alerts.includes(`'${a}'`), `alerts.bicep lacks ${a}`);
  }
  const fd = await read('modules/frontdoor.bicep');
  assert.match(fd, /cacheDuration: '365\.00:00:00'/);
  assert.match(fd, /'\/api\/'/);
});

test('make dist: a tarball with the binary, migrations, deploy/ and docs, checksummed', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'chatlings-dist-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { stdout } = await execFileP(path.join(ROOT, 'scripts/dist.sh'), [], {
    cwd: ROOT,
    env: { ...process.env, VERSION: 'test1', CHATLINGS_DIST_BIN: BIN, CHATLINGS_DIST_DIR: dir },
    timeout: 120000,
  });
  const tarball = stdout.trim().split('\n').pop();
  assert.equal(tarball, path.join(dir, 'chatlings-test1.tar.gz'));
  await execFileP('tar', ['-xzf', tarball, '-C', dir]);
  const top = path.join(dir, 'chatlings-test1');
  for (const f of ['bin/chatlings', 'db/migrations/0001_catalogue.sql', 'deploy/systemd/chatlings-web.service',
    'deploy/azure/main.bicep', 'deploy/monitoring/alerts.yml', 'docs/operations.md', 'README.md', 'VERSION']) {
    assert.ok(existsSync(path.join(top, f)), `${f} missing from the tarball`);
  }
  assert.equal((await readFile(path.join(top, 'VERSION'), 'utf8')).trim(), 'test1');
  await execFileP('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: top });
  const { stdout: help } = await execFileP(path.join(top, 'bin/chatlings'), ['--help']);
  assert.match(help, /backup/);
});
