/**
 * The processes of the scale-out bench: one simulator with a world per API key, and N `autopilot serve` instances
 * sharing a fresh PostgreSQL database and a unique Redis prefix. Everything is torn down by `close()`, and the
 * child processes are also killed if the bench process itself dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';
import { freePort } from '../lib/processes';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(root, 'bin/autopilot.mjs');
export const ADMIN_KEY = 'ap_bench_scale_admin_key_0123456789';
const PG_ADMIN = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A child process that keeps the tail of its stderr, for an error message worth reading. */
function child(args: string[], env: Record<string, string | undefined>): { proc: ChildProcess; tail(): string } {
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  let tail = '';
  proc.stderr!.on('data', (b: Buffer) => {
    tail = (tail + b.toString()).slice(-2000);
  });
  return { proc, tail: () => tail };
}

const stop = (c: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 8_000).unref();
  });

async function until(what: string, ok: () => Promise<boolean>, failed: () => string | undefined, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok().catch(() => false))) {
    const why = failed();
    if (why) throw new Error(`${what}: ${why}`);
    if (Date.now() > end) throw new Error(`${what}: timed out`);
    await sleep(200);
  }
}

async function pgRun(url: string, q: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(q, params);
  } finally {
    await c.end();
  }
}

export interface Cluster {
  simUrl: string;
  urls: string[];
  pids: number[];
  instanceIds: string[];
  apiKeys: string[];
  /** Every row of the shared database's `leases` table (expired ones too: their holder renewed last). */
  leases(): Promise<Array<{ name: string; holder: string; expiresAt: number }>>;
  close(): Promise<void>;
}

/**
 * Starts the simulator (`accounts` keys, `sessionsPerKey` sessions in each key's own world) and `instances`
 * orchestrators on a fresh database `bench_scale_<hex>` and Redis prefix `bench-scale-<hex>`. The first instance
 * is started alone so it runs the migrations; the others then start together.
 */
export async function startCluster(opts: { instances: number; accounts: number; sessionsPerKey: number; env?: Record<string, string> }): Promise<Cluster> {
  const run = randomBytes(5).toString('hex');
  const dbName = `bench_scale_${run}`;
  const prefix = `bench-scale-${run}`;
  const dbUrl = new URL(PG_ADMIN);
  dbUrl.pathname = `/${dbName}`;
  const dirs: string[] = [];
  const procs: ChildProcess[] = [];
  const apiKeys = Array.from({ length: opts.accounts }, (_, i) => `bench-scale-key-${String(i + 1).padStart(2, '0')}`);
  let dbMade = false;

  const close = async () => {
    await Promise.all(procs.map(stop));
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    if (dbMade) await pgRun(PG_ADMIN, `drop database if exists ${dbName} with (force)`).catch((e) => process.stderr.write(`  scale: drop ${dbName} failed: ${e}\n`));
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
    try {
      await redis.connect();
      let n = 0;
      for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
        if (keys.length) n += await redis.unlink(...keys);
      }
      process.stderr.write(`  scale: dropped ${dbName}, ${n} Redis keys under ${prefix}\n`);
    } catch (e) {
      process.stderr.write(`  scale: Redis cleanup failed: ${e}\n`);
    } finally {
      redis.disconnect();
    }
  };

  try {
    await pgRun(PG_ADMIN, `create database ${dbName}`);
    dbMade = true;
    const simPort = await freePort();
    const sim = child(['sim', '--port', String(simPort), '--world-per-key', '--seed', '22', '--sessions', String(opts.sessionsPerKey), ...apiKeys.flatMap((k) => ['--api-key', k])], { PATH: process.env.PATH });
    procs.push(sim.proc);
    const simUrl = `http://127.0.0.1:${simPort}`;
    await until('simulator', async () => (await fetch(`${simUrl}/_sim/stats`)).ok, () => (sim.proc.exitCode !== null ? `exited: ${sim.tail()}` : undefined));

    // One master key for all: every instance must open the account keys another one sealed.
    const masterKey = randomBytes(32).toString('hex');
    const instanceIds = Array.from({ length: opts.instances }, (_, i) => `scale${opts.instances}-i${i + 1}`);
    const urls: string[] = [];
    const pids: number[] = [];
    const startOne = async (id: string) => {
      const port = await freePort();
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scale-'));
      dirs.push(dataDir);
      const serve = child(['serve'], {
        PATH: process.env.PATH,
        DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', INSTANCE_ID: id,
        DATABASE_URL: dbUrl.toString(), REDIS_URL, REDIS_PREFIX: prefix,
        AUTOPILOT_ADMIN_KEY: ADMIN_KEY, AUTOPILOT_MASTER_KEY: masterKey,
        AUTOPILOT_OUTBOUND_ALLOW: `127.0.0.1:${simPort}`,
        // Demo mode with an empty, quiet simulator: no configured account adds sessions of its own.
        JULES_DEMO_SESSIONS: '0', JULES_DEMO_NEW_SESSION_MS: '0',
        ...opts.env,
      });
      procs.push(serve.proc);
      const url = `http://127.0.0.1:${port}`;
      await until(`autopilot serve ${id}`, async () => (await fetch(`${url}/healthz`)).ok, () => (serve.proc.exitCode !== null ? `exited: ${serve.tail()}` : undefined));
      return { url, pid: serve.proc.pid! };
    };
    const first = await startOne(instanceIds[0]);
    const rest = await Promise.all(instanceIds.slice(1).map(startOne));
    for (const s of [first, ...rest]) {
      urls.push(s.url);
      pids.push(s.pid);
    }
    return {
      simUrl, urls, pids, instanceIds, apiKeys, close,
      async leases() {
        const r = await pgRun(dbUrl.toString(), 'select name, holder, expires_at from leases');
        return r.rows.map((x: { name: string; holder: string; expires_at: string | number }) => ({ name: x.name, holder: x.holder, expiresAt: Number(x.expires_at) }));
      },
    };
  } catch (e) {
    await close();
    throw e;
  }
}
