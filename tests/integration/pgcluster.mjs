// pgcluster.mjs: throwaway PostgreSQL 15 clusters for the backup drill and the replica test,
// on their own ports and directories under the system temp dir (never the shared test stack).
// As root the cluster belongs to the `postgres` OS user (initdb refuses root), like stack.sh.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, appendFile, chown } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, psql } from './harness.mjs';

const execFileP = promisify(execFile);
export const PG_BIN = existsSync('/usr/lib/postgresql/15/bin/pg_ctl') ? '/usr/lib/postgresql/15/bin' : '';
const isRoot = process.getuid?.() === 0;
let pgUid = null;
let pgGid = null;

async function pgIds() {
  if (pgUid === null && isRoot) {
    const { stdout } = await execFileP('id', ['-u', 'postgres']);
    const { stdout: g } = await execFileP('id', ['-g', 'postgres']);
    pgUid = Number(stdout.trim());
    pgGid = Number(g.trim());
  }
}

/** Runs cmd as the cluster's OS user with extra environment. Resolves { stdout, stderr }. */
export async function asPg(cmd, args, { env = {}, timeout = 120000, cwd = '/' } = {}) {
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const [file, argv] = isRoot
    ? ['runuser', ['-u', 'postgres', '--', 'env', ...envArgs, cmd, ...args]]
    : ['env', [...envArgs, cmd, ...args]];
  try {
    return await execFileP(file, argv, { timeout, cwd, maxBuffer: 64 << 20 });
  } catch (err) {
    err.message = `${cmd} ${args.join(' ')} failed: ${err.stderr || err.message}`;
    throw err;
  }
}

/** A directory the cluster's OS user owns (for data dirs, blob stores). */
export async function pgTempDir(prefix) {
  await pgIds();
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  if (isRoot) await chown(dir, pgUid, pgGid);
  return dir;
}

/**
 * A new cluster in DIR/data (initdb) with extra postgresql.conf lines. Not started.
 * Returns { dir, data, port, url(db), start(env), stop(), psql(sql, db), psqlValue(sql, db), log() }.
 */
export async function makeCluster({ dir, conf = '', port, init = true } = {}) {
  port = port || await freePort();
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  const pg = (t) => (PG_BIN ? path.join(PG_BIN, t) : t);
  if (init) {
    await asPg(pg('initdb'), ['-D', data, '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8',
      '--auth-local=trust', '--auth-host=trust']);
    await appendCluster(data, `
listen_addresses = '127.0.0.1'
port = ${port}
unix_socket_directories = ''
max_connections = 30
shared_buffers = 32MB
fsync = off
timezone = 'UTC'
log_timezone = 'UTC'
${conf}
`);
  }
  const url = (db = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${db}`;
  const handle = {
    dir, data, port, url,
    async start(env = {}) {
      try {
        await asPg(pg('pg_ctl'), ['-D', data, '-l', logFile, '-w', '-t', '60', 'start'], { env });
      } catch (err) {
        err.message += `\n--- ${logFile} ---\n${(await handle.log()).slice(-3000)}`;
        throw err;
      }
    },
    async stop() {
      try { await asPg(pg('pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']); } catch { /* not running */ }
    },
    psql: (sql, db) => psql(sql, { url: url(db) }),
    async psqlValue(sql, db) { const r = await psql(sql, { url: url(db) }); return r.length ? r[0][0] : null; },
    async log() { try { return (await asPg('cat', [logFile])).stdout; } catch { return ''; } },
    /** Polls until fn() is truthy (errors count as not yet). */
    async until(fn, { timeoutMs = 60000, what = 'condition' } = {}) {
      const end = Date.now() + timeoutMs;
      let last;
      while (Date.now() < end) {
        try { last = await fn(); if (last) return last; } catch (e) { last = e.message; }
        await sleep(200);
      }
      throw new Error(`${what} not reached within ${timeoutMs} ms (last: ${last})\n${(await handle.log()).slice(-3000)}`);
    },
  };
  return handle;
}

/** Appends lines to DATA/postgresql.conf (later lines win) as the cluster's owner. */
export async function appendCluster(data, text, file = 'postgresql.conf') {
  const p = path.join(data, file);
  await appendFile(p, text);
  if (isRoot) { await pgIds(); await chown(p, pgUid, pgGid); }
}

/** Gives path to the cluster's OS user (files the test wrote as root). */
export async function chownPg(p) {
  if (!isRoot) return;
  await pgIds();
  await chown(p, pgUid, pgGid);
}

export async function removeDir(dir) {
  if (dir) await rm(dir, { recursive: true, force: true });
}
