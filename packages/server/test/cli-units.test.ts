import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bannerWanted, formatBanner } from '../src/cli/banner';
import { readProfiles, resolveConnection, saveProfile } from '../src/cli/profiles';
import { sourceName, table, UsageError } from '../src/cli/common';
import { startTestOrchestrator } from './harness';

const KEY = 'ap_1f2e3d4c5b6a_9QmX0v3kTzL8yH2nR5wB7cD1eF4gJ6pS8uA0iK3oM5q';
const field = (banner: string, label: string) => new RegExp(`^\\| +${label}: +(\\S+)`, 'm').exec(banner)?.[1];

describe('the start-up banner', () => {
  it('is a box of equal-width lines with URL, Jules, the owner key and the log-in link, each parseable', () => {
    const b = formatBanner({ version: '1.2.3', url: 'http://127.0.0.1:8080', simulated: true, ownerKey: KEY, loginLink: { url: 'http://127.0.0.1:8080/login/abc_DEF-123', ttlMinutes: 10 } });
    const lines = b.split('\n');
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[0]).toMatch(/^\+-+\+$/);
    expect(lines.at(-1)).toBe(lines[0]);
    for (const l of lines.slice(1, -1)) expect(l).toMatch(/^\| .* \|$/);
    expect(b).toContain('Jules Autopilot 1.2.3 is serving');
    expect(field(b, 'URL')).toBe('http://127.0.0.1:8080');
    expect(field(b, 'Jules')).toBe('simulated');
    expect(field(b, 'Owner key')).toBe(KEY);
    expect(field(b, 'Log in')).toBe('http://127.0.0.1:8080/login/abc_DEF-123');
    expect(b).toMatch(/shown once/);
    expect(b).toMatch(/works once, for 10 minutes/);
    expect(b.includes('\u001b'), 'plain: no colour codes').toBe(false);
  });

  it('names no key when none was generated, says real Jules, and points an any-address listener at loopback', () => {
    const b = formatBanner({ version: '1', url: 'http://0.0.0.0:9000', simulated: false, julesBaseUrl: 'https://jules.googleapis.com/v1alpha' });
    expect(b).not.toMatch(/Owner key|Log in/);
    expect(field(b, 'URL')).toBe('http://127.0.0.1:9000');
    expect(b).toContain('listening on every interface');
    expect(b).toMatch(/^\| +Jules: +real \(https:\/\/jules\.googleapis\.com\/v1alpha\)/m);
    expect(field(formatBanner({ version: '1', url: 'http://[::]:9000', simulated: true }), 'URL')).toBe('http://127.0.0.1:9000');
  });

  it('with AUTOPILOT_PUBLIC_URL, shows that as the URL (and where it listens)', () => {
    const b = formatBanner({ version: '1', url: 'http://0.0.0.0:8080', publicUrl: 'https://autopilot.example.com', simulated: true, loginLink: { url: 'https://autopilot.example.com/login/t0k3n', ttlMinutes: 10 } });
    expect(field(b, 'URL')).toBe('https://autopilot.example.com');
    expect(field(b, 'Listening')).toBe('http://127.0.0.1:8080');
    expect(field(b, 'Log in')).toBe('https://autopilot.example.com/login/t0k3n');
  });

  it('is on unless AUTOPILOT_BANNER says 0/off/false/no', () => {
    expect(bannerWanted({})).toBe(true);
    expect(bannerWanted({ AUTOPILOT_BANNER: '1' })).toBe(true);
    for (const v of ['0', 'off', 'FALSE', ' no ']) expect(bannerWanted({ AUTOPILOT_BANNER: v })).toBe(false);
  });
});

describe('connection and profiles', () => {
  let dir: string;
  const saved = { ...process.env };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-profiles-'));
    for (const k of ['AUTOPILOT_URL', 'AUTOPILOT_KEY', 'AUTOPILOT_PROFILE']) delete process.env[k];
    process.env.AUTOPILOT_CONFIG = path.join(dir, 'sub', 'config.json');
  });
  afterEach(() => {
    process.env = { ...saved };
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes flags first, then the environment, then the current profile; a named profile outranks the environment', () => {
    saveProfile('work', { url: 'http://work:8080', key: 'k-work' });
    saveProfile('home', { url: 'http://home:8080/', key: 'k-home' });
    expect(readProfiles().current).toBe('home');
    expect(fs.statSync(process.env.AUTOPILOT_CONFIG!).mode & 0o777).toBe(0o600);
    expect(resolveConnection({})).toMatchObject({ url: 'http://home:8080', key: 'k-home', profile: 'home' });
    process.env.AUTOPILOT_URL = 'http://env:1';
    process.env.AUTOPILOT_KEY = 'k-env';
    expect(resolveConnection({})).toMatchObject({ url: 'http://env:1', key: 'k-env' });
    expect(resolveConnection({ profile: 'work' })).toMatchObject({ url: 'http://work:8080', key: 'k-work' });
    expect(resolveConnection({ url: 'http://flag:2', key: 'k-flag', profile: 'work' })).toMatchObject({ url: 'http://flag:2', key: 'k-flag' });
    process.env.AUTOPILOT_PROFILE = 'work';
    delete process.env.AUTOPILOT_URL;
    delete process.env.AUTOPILOT_KEY;
    expect(resolveConnection({})).toMatchObject({ url: 'http://work:8080', key: 'k-work' });
  });

  it('refuses, as usage errors: no key anywhere, an unknown profile, a non-http URL, a broken file', () => {
    expect(() => resolveConnection({})).toThrow(UsageError);
    expect(() => resolveConnection({})).toThrow(/no API key/);
    expect(() => resolveConnection({ key: 'k' })).not.toThrow();
    expect(resolveConnection({ key: 'k' }).url).toBe('http://127.0.0.1:8080');
    expect(() => resolveConnection({ profile: 'nope' })).toThrow(/no profile "nope"/);
    expect(() => resolveConnection({ url: 'ftp://x', key: 'k' })).toThrow(/not an http\(s\) URL/);
    fs.mkdirSync(path.dirname(process.env.AUTOPILOT_CONFIG!), { recursive: true });
    fs.writeFileSync(process.env.AUTOPILOT_CONFIG!, '{ nope');
    expect(() => resolveConnection({})).toThrow(/is not valid/);
  });
});

describe('output helpers', () => {
  it('pads columns, cuts long cells with an ellipsis, and says (none) for no rows', () => {
    const t = table(['ID', 'TITLE'], [['a', 'x'.repeat(100)], ['bbb', 'line one\nline two']], { max: [10, 20] });
    const lines = t.split('\n');
    expect(lines[0]).toBe('ID   TITLE');
    expect(lines[1]).toBe(`a    ${'x'.repeat(19)}…`);
    expect(lines[2]).toBe('bbb  line one line two');
    expect(table(['A'], [])).toBe('(none)');
  });

  it('takes owner/repo, github/owner/repo, sources/github/owner/repo and GitHub URLs as a source name', () => {
    for (const v of ['acme/api', 'github/acme/api', 'sources/github/acme/api', 'https://github.com/acme/api.git']) expect(sourceName(v)).toBe('sources/github/acme/api');
    expect(() => sourceName('acme')).toThrow(UsageError);
    expect(() => sourceName('a/b/c/d')).toThrow(UsageError);
  });
});

describe('POST /api/auth/links', () => {
  it('builds the link on AUTOPILOT_PUBLIC_URL when set, else on the origin the request reached', async () => {
    const pub = await startTestOrchestrator({ AUTOPILOT_PUBLIC_URL: 'https://autopilot.example.com/', JULES_DEMO_SESSIONS: '0' });
    try {
      const body = (await (await pub.request('/api/auth/links', { method: 'POST' })).json()) as { url: string; path: string };
      expect(body.url).toBe(`https://autopilot.example.com${body.path}`);
    } finally {
      await pub.close();
    }
    const plain = await startTestOrchestrator({ JULES_DEMO_SESSIONS: '0' });
    try {
      // node-server builds the request URL from the Host header; in process, the URL is given whole.
      const res = await plain.request('http://box.local:8080/api/auth/links', { method: 'POST' });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { url: string; path: string };
      expect(body.url).toBe(`http://box.local:8080${body.path}`);
    } finally {
      await plain.close();
    }
  });
});
