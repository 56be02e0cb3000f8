import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { progress } from './stats';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BENCH_ADMIN_KEY = 'ap_bench_admin_key_0123456789';

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

const stop = (c: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (c.exitCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
  });

/**
 * A simulator process with N sessions on a manual clock, and an `autopilot serve` process mirroring it: the same
 * two processes a user runs. Resolves once the first full sync is done (every session's activities fetched).
 */
export async function startMirroredPair(
  sessions: number,
  opts: { nodeArgs?: string[]; env?: Record<string, string>; spreadHours?: number; mix?: string } = {},
): Promise<{ simUrl: string; url: string; pid: number; mirrorMs: number; close(): Promise<void> }> {
  const simPort = await freePort();
  const port = await freePort();
  const sim = spawn(process.execPath, [path.join(root, 'bin/autopilot.mjs'), 'sim', '--port', String(simPort), '--sessions', String(sessions), '--api-key', 'bench-sim-key', '--manual-clock', '--seed', '1', ...(opts.spreadHours ? ['--spread-hours', String(opts.spreadHours)] : []), ...(opts.mix ? ['--mix', opts.mix] : [])], { stdio: 'ignore' });
  const simUrl = `http://127.0.0.1:${simPort}`;
  for (let i = 0; i < 600; i++) {
    if (await fetch(`${simUrl}/_sim/stats`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-serve-'));
  const serve = spawn(process.execPath, [...(opts.nodeArgs ?? []), path.join(root, 'bin/autopilot.mjs'), 'serve'], {
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH,
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      AUTOPILOT_ADMIN_KEY: BENCH_ADMIN_KEY,
      JULES_API_KEY: 'bench-sim-key',
      JULES_API_BASE_URL: `${simUrl}/v1alpha`,
      AUTOPILOT_OUTBOUND_ALLOW: `127.0.0.1:${simPort}`,
      JULES_POLL_INTERVAL_MS: '10000', // the default
      ...opts.env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; !(await fetch(`${url}/healthz`).then((r) => r.ok, () => false)); i++) {
    if (serve.exitCode !== null || i > 600) throw new Error('autopilot serve did not become healthy');
    await new Promise((r) => setTimeout(r, 100));
  }
  // The first sync is done when its first poll completed: every session listed and mirrored, every live session's
  // activities fetched (finished sessions' activities follow on demand and by a backfill per poll, sessions.sync.ts).
  const started = performance.now();
  for (let i = 0; ; i++) {
    const metrics = await fetch(`${url}/metrics`).then((r) => r.text(), () => '');
    if (/^autopilot_jules_sync_ticks_total\{outcome="synced"\} [1-9]/m.test(metrics)) break;
    if (i % 20 === 0) {
      const stats = await fetch(`${simUrl}/_sim/stats`).then((r) => r.json() as Promise<any>, () => null);
      const listed = (stats?.requests?.byRoute?.['sessions.list'] ?? 0) * 100;
      progress(`mirroring ${sessions} sessions (listed):`, Math.min(listed, sessions), sessions);
    }
    if (serve.exitCode !== null) throw new Error('autopilot serve exited during the first sync');
    await new Promise((r) => setTimeout(r, 250));
  }
  const mirrorMs = performance.now() - started;
  return {
    simUrl,
    url,
    pid: serve.pid!,
    mirrorMs,
    async close() {
      await stop(serve);
      await stop(sim);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resident set size of a process, from /proc (Linux). */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb * 1024;
}
