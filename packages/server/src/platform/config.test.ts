import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { ConfigError, loadConfig } from './config';

describe('config', () => {
  it('has embedded defaults with no environment', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(8080);
    expect(c.HOST).toBe('127.0.0.1');
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.database).toEqual({ kind: 'sqlite', file: path.join(path.resolve('./data'), 'autopilot.db') });
    expect(c.queue).toEqual({ kind: 'embedded' });
    expect(c.events).toEqual({ kind: 'memory' });
    expect(c.BODY_LIMIT_BYTES).toBe(1024 * 1024);
  });

  it('selects PostgreSQL and Redis from their URLs', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgres://u@h:5432/db' });
    expect(c.queue).toEqual({ kind: 'bullmq', redisUrl: 'redis://127.0.0.1:6379', prefix: 'autopilot' });
    expect(c.events.kind).toBe('redis');
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', REDIS_URL: ' ' }).database.kind).toBe('sqlite');
  });

  it('lists every bad variable in one error', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', AUTOPILOT_MASTER_KEY: 'short', REDIS_URL: 'http://x' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as ConfigError).message;
    for (const v of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'AUTOPILOT_MASTER_KEY', 'REDIS_URL']) expect(msg).toContain(v);
    expect((err as ConfigError).problems).toHaveLength(5);
  });

  it('accepts a hex or base64 master key of 32 bytes', () => {
    expect(loadConfig({ AUTOPILOT_MASTER_KEY: 'a'.repeat(64) }).AUTOPILOT_MASTER_KEY).toBe('a'.repeat(64));
    const b64 = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ AUTOPILOT_MASTER_KEY: b64 }).AUTOPILOT_MASTER_KEY).toBe(b64);
  });

  it('parses AUTOPILOT_OUTBOUND_ALLOW, names a bad entry, and refuses the removed global switches', () => {
    expect(loadConfig({}).AUTOPILOT_OUTBOUND_ALLOW).toEqual([]);
    const allow = loadConfig({ AUTOPILOT_OUTBOUND_ALLOW: '127.0.0.1:7070, 10.0.0.0/8 ,models.lan' }).AUTOPILOT_OUTBOUND_ALLOW;
    expect(allow.map((e) => e.text)).toEqual(['127.0.0.1:7070', '10.0.0.0/8', 'models.lan']);
    expect(() => loadConfig({ AUTOPILOT_OUTBOUND_ALLOW: '127.0.0.1:0' })).toThrow(/AUTOPILOT_OUTBOUND_ALLOW.*port must be 1-65535/);
    for (const removed of ['JULES_ALLOW_PRIVATE_URLS', 'LLM_ALLOW_PRIVATE_URLS']) {
      expect(() => loadConfig({ [removed]: 'true' })).toThrow(new RegExp(`${removed}: removed; list the private destinations in AUTOPILOT_OUTBOUND_ALLOW`));
    }
  });
});
