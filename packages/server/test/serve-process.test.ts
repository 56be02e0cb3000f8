import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';

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
