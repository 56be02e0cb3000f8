import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import SQLite from 'better-sqlite3';
import { startFakeUpstream } from './fakes/llm-upstream';

const root = path.resolve(__dirname, '../../..');

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

/** Polls until /healthz answers, for at most `ms` (the README promises 15 s on a laptop). */
async function waitHealthy(url: string, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return true;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** Resolves with the connect error code, or 'connected' when the connection was accepted. */
const tryConnect = (port: number) =>
  new Promise<string>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

describe('the `autopilot serve` process', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('starts on embedded defaults, writes its SQLite file under DATA_DIR, and stops cleanly on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-serve-'));
    dirs.push(dataDir);
    const port = await freePort();
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, PORT: String(port) };
    const child = spawn(process.execPath, [path.join(root, 'bin/autopilot.mjs'), 'serve'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exit = exited(child);
    expect(await waitHealthy(`http://127.0.0.1:${port}`, 15_000)).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'autopilot.db'))).toBe(true);
    const key = /ap_[A-Za-z0-9_-]{20,}/.exec(out)?.[0];
    expect(key, 'the first start prints an owner key once').toBeTruthy();
    const me = await fetch(`http://127.0.0.1:${port}/api/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(me.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(out).toContain('shutting down');
  });

  // No timing threshold: SHUTDOWN_TIMEOUT_MS is ten minutes, so a stop that waited for it (an SSE stream or an
  // idle keep-alive connection holding it) would run into the test's own timeout and fail.
  it('on SIGTERM refuses new connections, ends event streams and idle connections, lets the slow request in flight finish, and exits 0', { timeout: 60_000 }, async () => {
    const up = await startFakeUpstream();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    up.script(() => ({ text: 'OK', inputTokens: 5, outputTokens: 1, hold: held }));
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-stop-'));
    dirs.push(dataDir);
    const port = await freePort();
    const env = {
      PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, PORT: String(port), SHUTDOWN_TIMEOUT_MS: '600000',
      OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${up.url}/v1`, AUTOPILOT_OUTBOUND_ALLOW: new URL(up.url).host,
      // No simulated sessions: the keeper would ask the same fake model to write its messages, and the usage count
      // below is about the one held call.
      JULES_DEMO_SESSIONS: '0', JULES_DEMO_NEW_SESSION_MS: '0',
    };
    const child = spawn(process.execPath, [path.join(root, 'bin/autopilot.mjs'), 'serve'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exit = exited(child);
    try {
      const base = `http://127.0.0.1:${port}`;
      expect(await waitHealthy(base, 15_000)).toBe(true);
      const headers = { authorization: `Bearer ${/ap_[A-Za-z0-9_-]{20,}/.exec(out)?.[0]}` };
      const providers = (await (await fetch(`${base}/api/providers`, { headers })).json()) as { items?: Array<{ id: string; kind: string }> } | Array<{ id: string; kind: string }>;
      const list = Array.isArray(providers) ? providers : (providers.items ?? []);
      const openai = list.find((p) => p.kind === 'openai');
      expect(openai, 'the env-seeded provider').toBeTruthy();

      // An open event stream, and an idle keep-alive connection that has answered one request.
      const sse = await fetch(`${base}/api/events`, { headers });
      const reader = sse.body!.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain('hello');
      const idle = net.connect(port, '127.0.0.1');
      const idleClosed = new Promise<void>((r) => idle.once('close', () => r()));
      let idleText = '';
      idle.on('data', (d) => (idleText += d));
      idle.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
      while (!idleText.includes('\r\n\r\n')) await new Promise((r) => setTimeout(r, 20));

      // The slow request: a provider test whose upstream answer the test holds back.
      const slow = fetch(`${base}/api/providers/${openai!.id}/test`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
      while (up.calls.length === 0) await new Promise((r) => setTimeout(r, 20));

      child.kill('SIGTERM');
      while (!out.includes('shutting down')) await new Promise((r) => setTimeout(r, 20));
      expect(await tryConnect(port), 'a new connection after SIGTERM').toBe('ECONNREFUSED');
      await idleClosed; // closed by the server, not by the test
      // Events published while stopping may still arrive; then the server ends the stream.
      let chunk = await reader.read();
      while (!chunk.done) chunk = await reader.read();
      expect(chunk.done, 'the event stream was ended by the server').toBe(true);

      // Held well past the old 1 s cut-off (a stop that cuts in-flight requests makes `slow` fail here), then answered.
      const slowSettled = slow.then(() => 'settled', () => 'cut');
      expect(await Promise.race([slowSettled, new Promise((r) => setTimeout(() => r('still in flight'), 3_000))])).toBe('still in flight');
      release();
      const res = await slow;
      expect(res.status).toBe(200);
      expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
      expect(await exit).toBe(0);
      expect(out).toMatch(/cutRequests"?:\s*0/);
      // The finished call settled its budget reservation before the database closed.
      const db = new SQLite(path.join(dataDir, 'autopilot.db'), { readonly: true });
      expect(db.prepare('select count(*) as n from llm_budget_reservations').get()).toEqual({ n: 0 });
      expect((db.prepare('select count(*) as n from llm_usage where outcome = ?').get('ok') as { n: number }).n).toBe(1);
      db.close();
    } finally {
      release();
      child.kill('SIGKILL');
      await up.close();
    }
  });

  it('refuses to start with bad configuration, naming every bad variable', async () => {
    const child = spawn(process.execPath, [path.join(root, 'bin/autopilot.mjs'), 'serve'], {
      cwd: root,
      env: { PATH: process.env.PATH, PORT: 'not-a-port', DATABASE_URL: 'mysql://nope', LOG_LEVEL: 'chatty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    expect(await exited(child)).toBe(1);
    for (const v of ['PORT', 'DATABASE_URL', 'LOG_LEVEL']) expect(err).toContain(v);
  });
});
