import ipaddr from 'ipaddr.js';
import { canonical, parseIpLiteral } from './address';

/**
 * One entry of AUTOPILOT_OUTBOUND_ALLOW: a destination a self-hosted setup may reach although it is private.
 * `name` entries match the URL's host name (whatever it resolves to); `cidr` entries match the address actually
 * connected to (an IP literal is a /32 or /128). `port` undefined = any port.
 */
export type AllowEntry =
  | { kind: 'name'; name: string; port?: number; text: string }
  | { kind: 'cidr'; range: [ipaddr.IPv4 | ipaddr.IPv6, number]; port?: number; text: string };

const NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$/;

function parsePort(raw: string, entry: string): number {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) throw new Error(`"${entry}": port must be 1-65535`);
  return Number(raw);
}

/**
 * Parses one entry: `host:port`, `host`, `ip`, `ip:port`, `[v6]:port`, or a CIDR (`10.0.0.0/8`). Throws an Error
 * whose message names the bad entry (config.ts turns it into a ConfigError).
 */
export function parseAllowEntry(raw: string): AllowEntry {
  const text = raw.trim().toLowerCase();
  if (text === '') throw new Error('empty entry');
  if (text.includes('/')) {
    try {
      const [addr, bits] = ipaddr.parseCIDR(text);
      return { kind: 'cidr', range: [addr, bits], text };
    } catch {
      throw new Error(`"${raw}" is not a CIDR range`);
    }
  }
  let host = text;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    if (bracketed[2] !== undefined) port = parsePort(bracketed[2], raw);
  } else if ((text.match(/:/g) ?? []).length === 1) {
    const i = text.lastIndexOf(':');
    host = text.slice(0, i);
    port = parsePort(text.slice(i + 1), raw);
  }
  const ip = parseIpLiteral(host);
  if (ip) return { kind: 'cidr', range: [ip, ip.kind() === 'ipv4' ? 32 : 128], port, text };
  if (!NAME.test(host)) throw new Error(`"${raw}" is not a host, host:port, IP or CIDR`);
  return { kind: 'name', name: host.replace(/\.$/, ''), port, text };
}

/** Parses a comma-separated allow-list; every bad entry is reported at once. */
export function parseAllowList(raw: string | readonly string[] | undefined): AllowEntry[] {
  const items = (typeof raw === 'string' ? raw.split(',') : raw ?? []).map((s) => s.trim()).filter((s) => s !== '');
  const errors: string[] = [];
  const out: AllowEntry[] = [];
  for (const item of items) {
    try {
      out.push(parseAllowEntry(item));
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length) throw new Error(errors.join('; '));
  return out;
}

const portOk = (e: AllowEntry, port: number) => e.port === undefined || e.port === port;

/** True when the URL host name itself is allowed on this port (a `name` entry). */
export function allowsName(list: readonly AllowEntry[], hostname: string, port: number): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return list.some((e) => e.kind === 'name' && e.name === h && portOk(e, port));
}

/** True when connecting to this address on this port is allowed (an `ip`/CIDR entry). IPv4-mapped counts as IPv4. */
export function allowsAddress(list: readonly AllowEntry[], address: ipaddr.IPv4 | ipaddr.IPv6, port: number): boolean {
  const addr = parseIpLiteral(canonical(address))!;
  return list.some((e) => {
    if (e.kind !== 'cidr' || !portOk(e, port)) return false;
    const [base, bits] = e.range;
    return base.kind() === addr.kind() && addr.match(base as never, bits);
  });
}
