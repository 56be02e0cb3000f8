import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { bin, eventually, exited, KEY_RE, root, tmp } from './cli-support';

/* `autopilot serve` as a person starts it: the start-up banner on stderr, the owner key once, the log-in link. */

describe('autopilot serve', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('serve prints the banner (URL, simulated, one-time owner key, log-in link) on stderr; the key only on the first start and in no log line', { timeout: 90_000 }, async () => {
    const dataDir = tmp('autopilot-cli-banner-');
    dirs.push(dataDir);
    const start = async (extra: Record<string, string> = {}) => {
      const child = spawn(process.execPath, [bin, 'serve'], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', HOME: dataDir, DATA_DIR: dataDir, PORT: '0', JULES_DEMO_SESSIONS: '2', JULES_DEMO_NEW_SESSION_MS: '0', ...extra },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exit = exited(child);
      const out = { stdout: '', stderr: '' };
      child.stdout!.on('data', (d) => (out.stdout += d));
      child.stderr!.on('data', (d) => (out.stderr += d));
      await eventually(async () => /"msg":"Jules Autopilot is serving"/.test(out.stdout) && (extra.AUTOPILOT_BANNER === '0' || /^\+-+\+$/m.test(out.stderr)), 45_000, () => `(start ${JSON.stringify(extra)}): stderr ${out.stderr.slice(-2000)} stdout ${out.stdout.slice(-2000)}`);
      const stop = async () => {
        child.kill('SIGTERM');
        expect(await exit).toBe(0);
      };
      return { out, stop };
    };

    const first = await start();
    try {
      const banner = first.out.stderr;
      const url = /^\| +URL: +(\S+)/m.exec(banner)?.[1];
      const key = /^\| +Owner key: +(\S+)/m.exec(banner)?.[1];
      const login = /^\| +Log in: +(\S+)/m.exec(banner)?.[1];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(banner).toMatch(/^\| +Jules: +simulated/m);
      expect(banner).toMatch(/shown once/);
      expect(key).toMatch(KEY_RE);
      expect(login).toMatch(new RegExp(`^${url}/login/[A-Za-z0-9_-]{43}$`));
      // The key is in the banner only: in no JSON log line (stdout), and once on stderr.
      expect(first.out.stdout).not.toContain(key);
      expect(first.out.stdout).not.toMatch(KEY_RE);
      expect(banner.split(key!).length - 1).toBe(1);
      const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${key}` } });
      expect(me.status).toBe(200);
      const opened = await fetch(login!, { redirect: 'manual' });
      expect(opened.status).toBe(303);
      expect(opened.headers.getSetCookie().some((c) => c.startsWith('autopilot_session='))).toBe(true);
    } finally {
      await first.stop();
    }

    const second = await start();
    try {
      expect(second.out.stderr).toMatch(/^\| +URL: +http/m);
      expect(second.out.stderr).not.toMatch(/Owner key/);
      expect(second.out.stderr + second.out.stdout).not.toMatch(KEY_RE);
      const login = /^\| +Log in: +(\S+)/m.exec(second.out.stderr)?.[1];
      expect(login, 'a later start still prints a log-in link for the owner').toBeTruthy();
      expect((await fetch(login!, { redirect: 'manual' })).status).toBe(303);
    } finally {
      await second.stop();
    }

    const quiet = await start({ AUTOPILOT_BANNER: '0' });
    try {
      expect(quiet.out.stderr).not.toMatch(/^\| +URL:/m);
    } finally {
      await quiet.stop();
    }
  });
});
