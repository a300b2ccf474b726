// The alerting rules in deploy/monitoring/: valid (`promtool check rules`) and behaving as the
// seed says (`promtool test rules`: each alert fires over its threshold, and not under it).
// promtool comes from PATH or from var/tools/ (scripts/deps.sh puts it there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './harness.mjs';

const execFileP = promisify(execFile);
const DIR = path.join(ROOT, 'deploy/monitoring');

async function promtool() {
  const local = path.join(ROOT, 'var/tools/promtool');
  if (existsSync(local)) return local;
  try { await execFileP('promtool', ['--version']); return 'promtool'; } catch { return null; }
}

test('promtool check rules: alerts.yml is valid', async (t) => {
  const bin = await promtool();
  if (!bin) { t.skip('promtool not found (scripts/deps.sh fetches it)'); return; }
  const { stdout } = await execFileP(bin, ['check', 'rules', path.join(DIR, 'alerts.yml')]);
  assert.match(stdout, /SUCCESS: \d+ rules found/);
});

test('promtool test rules: every seed alert fires over its threshold only', async (t) => {
  const bin = await promtool();
  if (!bin) { t.skip('promtool not found (scripts/deps.sh fetches it)'); return; }
  const { stdout } = await execFileP(bin, ['test', 'rules', 'alerts.test.yml'], { cwd: DIR });
  assert.match(stdout, /SUCCESS/);
});

test('every seed alert has a rule', async () => {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(path.join(DIR, 'alerts.yml'), 'utf8');
  for (const name of ['ServiceDown', 'DatabaseUnavailable', 'ResponseTimeHigh', 'ResponseTimeCritical',
    'ErrorRateHigh', 'ErrorRateCritical', 'CacheHitRatioLow', 'CpuHigh', 'MemoryHigh', 'StorageHigh',
    'RedisMemoryHigh']) {
    assert.match(text, new RegExp(`alert: Chatlings${name}\\n`), name);
  }
});
