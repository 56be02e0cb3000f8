import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAddress, createOutbound, OutboundUnreachable, OutboundUrlRejected, parseAllowList, pickTarget } from './index';

/** A listener on 127.0.0.1 that records every request and the credential headers it carried. */
async function recorder() {
  const seen: Array<{ url: string; auth?: string; goog?: string }> = [];
  const srv = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization, goog: req.headers['x-goog-api-key'] as string | undefined });
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { seen, port: (srv.address() as AddressInfo).port, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'], ['127.255.0.9', 'loopback'], ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'], ['169.254.169.254', 'linkLocal'], ['100.64.0.1', 'carrierGradeNat'], ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'], ['224.0.0.1', 'multicast'], ['255.255.255.255', 'broadcast'], ['192.0.2.10', 'reserved'],
    ['198.51.100.1', 'reserved'], ['203.0.113.1', 'reserved'], ['198.18.0.1', 'reserved'], ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'], ['::', 'unspecified'], ['fe80::1', 'linkLocal'], ['fc00::1', 'uniqueLocal'], ['fd12:3456::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'], ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::ffff:a9fe:a9fe', 'linkLocal'],
    ['::ffff:10.0.0.1', 'private'], ['::127.0.0.1', 'ipv4Compatible'], ['::7f00:1', 'ipv4Compatible(loopback)'],
    ['64:ff9b::7f00:1', 'rfc6052'], ['64:ff9b::8.8.8.8', 'rfc6052'], ['64:ff9b:1::a00:1', 'rfc6052'], ['2002:7f00:1::1', '6to4'],
    ['2002:c0a8:101::1', '6to4'], ['2001::1', 'teredo'], ['2001:db8::1', 'reserved'], ['fec0::1', 'deprecatedSiteLocal'],
    ['100::1', 'discard'], ['3fff::1', 'reserved'],
  ])('%s is refused (%s)', (ip, range) => {
    expect(classifyAddress(ip)).toEqual({ allowed: false, range });
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2001:4860:4860::8888', '2606:4700::1111', '::ffff:8.8.8.8'])('%s is public', (ip) => {
    expect(classifyAddress(ip)).toEqual({ allowed: true, range: 'unicast' });
  });
});

describe('pickTarget (the connect-time decision)', () => {
  const none = { allow: [] };

  it.each(['2130706433', '0177.0.0.1', '0x7f.1', '0x7f000001', '127.1', '0x7f.0.0.1', '017700000001'])('refuses the numeric IPv4 spelling %s, as given and as URL normalises it', async (host) => {
    await expect(pickTarget(host, 80, none)).rejects.toMatchObject({ reason: 'refused:loopback' });
    const normalised = new URL(`http://${host}:80/`).hostname;
    expect(normalised).toBe('127.0.0.1');
    await expect(pickTarget(normalised, 80, none)).rejects.toBeInstanceOf(OutboundUnreachable);
  });

  it('refuses a public-looking name that resolves to loopback, and one with any private answer among public ones', async () => {
    await expect(pickTarget('api.example.com', 443, { allow: [], resolve: async () => ['127.0.0.1'] })).rejects.toMatchObject({ reason: 'refused:loopback' });
    await expect(pickTarget('api.example.com', 443, { allow: [], resolve: async () => ['93.184.216.34', '::ffff:169.254.169.254'] })).rejects.toMatchObject({ reason: 'refused:linkLocal' });
    await expect(pickTarget('api.example.com', 443, { allow: [], resolve: async () => { throw new Error('ENOTFOUND'); } })).rejects.toMatchObject({ reason: 'dns' });
    await expect(pickTarget('api.example.com', 443, { allow: [], resolve: async () => ['93.184.216.34'] })).resolves.toEqual({ address: '93.184.216.34', family: 4 });
  });

  it('refuses localhost names even before looking at their answer', async () => {
    await expect(pickTarget('localhost', 80, { allow: [], resolve: async () => ['8.8.8.8'] })).rejects.toMatchObject({ reason: 'refused:localhost-name' });
    await expect(pickTarget('app.localhost', 80, { allow: [], resolve: async () => ['8.8.8.8'] })).rejects.toMatchObject({ reason: 'refused:localhost-name' });
  });

  it('connects to the IPv4 behind an IPv4-mapped answer, never resolving twice', async () => {
    let lookups = 0;
    const t = await pickTarget('mapped.example', 80, { allow: [], resolve: async () => (lookups++, ['::ffff:8.8.8.8']) });
    expect(t).toEqual({ address: '8.8.8.8', family: 4 });
    expect(lookups).toBe(1);
  });
});

describe('the allow-list', () => {
  it('parses host:port, host, ip, ip:port, [v6]:port and CIDR, and names every bad entry', () => {
    const list = parseAllowList('127.0.0.1:7070, llm.internal, 10.0.0.0/8, [::1]:8443, 192.168.1.5, models.lan:11434');
    expect(list.map((e) => [e.kind, e.port ?? null])).toEqual([['cidr', 7070], ['name', null], ['cidr', null], ['cidr', 8443], ['cidr', null], ['name', 11434]]);
    expect(() => parseAllowList('127.0.0.1:99999,not a host,10.0.0.0/99')).toThrow(/99999.*not a host.*10\.0\.0\.0\/99/);
  });

  it('lets exactly the listed host:port through, nothing else on the same host', async () => {
    const allow = parseAllowList('127.0.0.1:7070,10.0.0.0/8,models.lan:11434');
    await expect(pickTarget('127.0.0.1', 7070, { allow })).resolves.toEqual({ address: '127.0.0.1', family: 4 });
    await expect(pickTarget('::ffff:127.0.0.1', 7070, { allow })).resolves.toEqual({ address: '127.0.0.1', family: 4 });
    await expect(pickTarget('127.0.0.1', 7071, { allow })).rejects.toMatchObject({ reason: 'refused:loopback' });
    await expect(pickTarget('127.0.0.2', 7070, { allow })).rejects.toMatchObject({ reason: 'refused:loopback' });
    await expect(pickTarget('10.9.8.7', 443, { allow })).resolves.toMatchObject({ address: '10.9.8.7' });
    await expect(pickTarget('172.16.0.1', 443, { allow })).rejects.toMatchObject({ reason: 'refused:private' });
    await expect(pickTarget('models.lan', 11434, { allow, resolve: async () => ['192.168.0.20'] })).resolves.toMatchObject({ address: '192.168.0.20' });
    await expect(pickTarget('models.lan', 80, { allow, resolve: async () => ['192.168.0.20'] })).rejects.toMatchObject({ reason: 'refused:private' });
  });
});

describe('createOutbound against a real listener on 127.0.0.1', () => {
  let target: Awaited<ReturnType<typeof recorder>>;
  let redirector: http.Server;
  let redirectorPort = 0;

  beforeAll(async () => {
    target = await recorder();
    redirector = http.createServer((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${target.port}/stolen` });
      res.end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    redirectorPort = (redirector.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await target.close();
    await new Promise<void>((r) => redirector.close(() => r()));
  });

  it('refuses every encoding of the listener at connect time: the listener hears nothing', async () => {
    const ob = createOutbound();
    const p = target.port;
    const urls = [
      `http://127.0.0.1:${p}/`, `http://[::ffff:127.0.0.1]:${p}/`, `http://[::ffff:7f00:1]:${p}/`, `http://2130706433:${p}/`, `http://0177.0.0.1:${p}/`,
      `http://0x7f000001:${p}/`, `http://127.1:${p}/`, `http://[::1]:${p}/`, `http://[64:ff9b::7f00:1]:${p}/`, `http://0.0.0.0:${p}/`, `http://localhost:${p}/`,
      `http://[::127.0.0.1]:${p}/`, `http://[::ffff:a9fe:a9fe]:${p}/`,
    ];
    for (const url of urls) {
      const err = await ob.fetch(url, { headers: { authorization: 'Bearer sk-secret', 'x-goog-api-key': 'AQ.secret' } }).catch((e: unknown) => e);
      expect(err, url).toBeInstanceOf(OutboundUnreachable);
      expect((err as OutboundUnreachable).message).toBe(OutboundUnreachable.MESSAGE);
      expect((err as OutboundUnreachable).refused, url).toBe(true);
      await expect(ob.check(url), url).rejects.toBeInstanceOf(OutboundUrlRejected);
    }
    expect(target.seen).toEqual([]);
    await ob.close();
  });

  it('covers DNS rebinding: a name that passed the creation check but answers loopback at connect time is refused', async () => {
    let calls = 0;
    const ob = createOutbound({ resolve: async () => (calls++ === 0 ? ['93.184.216.34'] : ['127.0.0.1']) });
    await expect(ob.check(`http://rebind.example:${target.port}/`)).resolves.toBeUndefined();
    await expect(ob.fetch(`http://rebind.example:${target.port}/`)).rejects.toMatchObject({ reason: 'refused:loopback' });
    expect(calls).toBe(2);
    expect(target.seen).toEqual([]);
    await ob.close();
  });

  it('reports a redirect as an error and never follows it with the credentials', async () => {
    const ob = createOutbound({ allow: [`127.0.0.1:${redirectorPort}`] });
    const err = await ob.fetch(`http://127.0.0.1:${redirectorPort}/v1`, { headers: { 'x-goog-api-key': 'AQ.secret' }, redirect: 'follow' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'redirect:302', message: OutboundUnreachable.MESSAGE });
    expect(target.seen).toEqual([]);
    await ob.close();
  });

  it('reads the same for refused by the guard, connection refused and no such name', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const ob = createOutbound({ allow: [`127.0.0.1:${closedPort}`], resolve: async () => { throw new Error('ENOTFOUND'); } });
    const errors = await Promise.all([`http://127.0.0.1:${target.port}/`, `http://127.0.0.1:${closedPort}/`, 'http://nowhere.example/'].map((u) => ob.fetch(u).then(() => new Error("answered"), (e: Error) => e)));
    expect(errors.map((e) => [e.constructor.name, e.message])).toEqual(Array(3).fill(['OutboundUnreachable', OutboundUnreachable.MESSAGE]));
    expect(errors.map((e) => (e as OutboundUnreachable).reason.split(':')[0])).toEqual(['refused', 'connect', 'dns']);
    await ob.close();
  });

  it('passes the allowed host:port and the trusted variant, with the body intact', async () => {
    const ob = createOutbound({ allow: `127.0.0.1:${target.port}` });
    const res = await ob.fetch(`http://127.0.0.1:${target.port}/allowed`, { method: 'POST', body: '{}' });
    expect(await res.json()).toEqual({ ok: true });
    const plain = createOutbound();
    const trusted = await plain.trusted.fetch(`http://127.0.0.1:${target.port}/operator`);
    expect(trusted.status).toBe(200);
    await expect(plain.fetch(`http://127.0.0.1:${target.port}/not-trusted`)).rejects.toBeInstanceOf(OutboundUnreachable);
    expect(target.seen.map((s) => s.url)).toEqual(['/allowed', '/operator']);
    await Promise.all([ob.close(), plain.close()]);
  });
});
