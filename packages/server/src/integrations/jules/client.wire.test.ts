import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../platform/logger';
import { createJulesClient } from './client';
import { createTimeAfter } from './client-support';
import { UpstreamMalformed } from './errors';
import { KeyedSemaphores } from './semaphore';
import { UNKNOWN_TIME } from './wire';

const KEY = 'wire-test-key-0123456789';
const T1 = '2026-01-01T00:00:01.5Z';
const T2 = '2026-01-01T00:00:02Z';

/** A Jules stand-in whose answers each test sets; it records what it was asked. */
let answers: Record<string, { status?: number; body: string }> = {};
let asked: string[] = [];
let server: http.Server;
let base: string;

function logSink() {
  const out = new PassThrough();
  const lines: string[] = [];
  out.on('data', (d) => lines.push(...String(d).trim().split('\n')));
  return { log: createLogger({ level: 'warn', destination: out }), lines };
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const key = `${req.method} ${req.url?.split('?')[0]}`;
    asked.push(`${req.method} ${req.url}`);
    const a = answers[key];
    res.statusCode = a?.status ?? (a ? 200 : 404);
    res.setHeader('content-type', 'application/json');
    res.end(a?.body ?? JSON.stringify({ error: { code: 404, message: 'not found', status: 'NOT_FOUND' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1alpha`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  answers = {};
  asked = [];
});

const client = (log?: ReturnType<typeof createLogger>) => createJulesClient({ baseUrl: base, apiKey: KEY, log, maxAttempts: 1, createLimiter: new KeyedSemaphores(3) });

describe('Jules wire parsing', () => {
  it.each([
    ['id from name', { name: 'sessions/5', createTime: T1, updateTime: T2 }, { id: '5', createTime: T1, updateTime: T2 }],
    ['id kept when both are sent', { name: 'sessions/5', id: '6', createTime: T1, updateTime: T2 }, { id: '6' }],
    ['no updateTime: not updated since created', { id: '7', createTime: T1 }, { createTime: T1, updateTime: T1 }],
    ['no createTime: no later than its updateTime', { id: '8', updateTime: T2 }, { createTime: T2, updateTime: T2 }],
    ['no times at all', { id: '9' }, { createTime: UNKNOWN_TIME, updateTime: UNKNOWN_TIME }],
    ['a wrongly typed time is a missing one', { id: '10', createTime: 12, updateTime: T2 }, { createTime: T2 }],
  ])('session: %s', async (_name, wire, expected) => {
    answers['GET /v1alpha/sessions/x'] = { body: JSON.stringify(wire) };
    expect(await client().getSession('x')).toMatchObject(expected);
  });

  it('a malformed session in a page is logged by name, never by body, and skipped; the rest of the page is kept', async () => {
    const { log, lines } = logSink();
    answers['GET /v1alpha/sessions'] = {
      body: JSON.stringify({
        sessions: [
          { id: '1', createTime: T1, updateTime: T2, state: 'IN_PROGRESS' },
          { name: 'sessions/2/oops', prompt: 'SECRET-PROMPT-TEXT' },
          null,
          'not a record',
          { name: 'sessions/3', state: 'QUEUED' },
        ],
        nextPageToken: 'n',
      }),
    };
    const page = await client(log).listSessions();
    expect(page.items.map((s) => s.id)).toEqual(['1', '3']);
    expect(page.nextPageToken).toBe('n');
    const warned = lines.map((l) => JSON.parse(l)).filter((l) => /malformed record/.test(l.msg));
    expect(warned.map((w) => w.name)).toEqual(['sessions/2/oops', null, null]);
    expect(lines.join('\n')).not.toContain('SECRET-PROMPT-TEXT');
  });

  it('wrongly typed ids fall back to the name; nothing readable is skipped', async () => {
    answers['GET /v1alpha/sessions'] = { body: JSON.stringify({ sessions: [{ id: '4', createTime: T1 }, { id: 77 }, { id: '5', outputs: 'x', name: 'sessions/5' }, { name: 'sessions/6', id: [] }] }) };
    const page = await client().listSessions();
    // id 77 (a number) and id [] fall back to the name; only the record with neither readable is skipped.
    expect(page.items.map((s) => s.id)).toEqual(['4', '5', '6']);
    expect(page.skippedIds).toBeUndefined();
  });

  it('activities: id from name, a missing time from the one before it, one bad record skipped', async () => {
    const { log, lines } = logSink();
    answers['GET /v1alpha/sessions/1/activities'] = {
      body: JSON.stringify({
        activities: [
          { name: 'sessions/1/activities/aaa', createTime: T1, originator: 'agent', progressUpdated: { title: 'x' } },
          { id: 'bbb', originator: 'agent', agentMessaged: { agentMessage: 'hi' } },
          { originator: 'agent', agentMessaged: { agentMessage: 'BODY-NEVER-LOGGED' } },
          { name: 'sessions/1/activities/ccc', createTime: T2, originator: 'system' },
        ],
      }),
    };
    const page = await client(log).listActivities('1');
    expect(page.items.map((a) => [a.id, a.createTime, a.kind])).toEqual([
      ['aaa', T1, 'progressUpdated'], ['bbb', T1, 'agentMessaged'], ['ccc', T2, 'system'],
    ]);
    expect(lines.join('\n')).toMatch(/malformed record/);
    expect(lines.join('\n')).not.toContain('BODY-NEVER-LOGGED');
  });

  it('a create whose answer is not JSON is recovered from the newest sessions, without a second create', async () => {
    answers['POST /v1alpha/sessions'] = { body: '{"name":"sessions/42","id":"42","prompt":"Fix it' };
    const now = new Date().toISOString();
    answers['GET /v1alpha/sessions'] = {
      body: JSON.stringify({ sessions: [
        { id: '43', prompt: 'Someone else', createTime: now, updateTime: now },
        { id: '42', prompt: 'Fix it', createTime: now, updateTime: now, state: 'QUEUED' },
        { id: '41', prompt: 'Fix it', createTime: '2020-01-01T00:00:00Z', updateTime: '2020-01-01T00:00:00Z' },
      ] }),
    };
    const s = await client().createSession({ prompt: 'Fix it' });
    expect(s).toMatchObject({ id: '42', state: 'QUEUED' });
    expect(asked.filter((a) => a.startsWith('POST'))).toHaveLength(1);
  });

  it('a create answer with an id but nothing else usable is completed with sessions.get, or from our input', async () => {
    answers['POST /v1alpha/sessions'] = { body: JSON.stringify({ session: 'created', name: 'sessions/50' }) };
    answers['GET /v1alpha/sessions/50'] = { body: JSON.stringify({ id: '50', createTime: T1, updateTime: T1, state: 'PLANNING', prompt: 'Do it' }) };
    // The answer parses (id from name): recorded as answered.
    expect((await client().createSession({ prompt: 'Do it' })).id).toBe('50');
    answers['POST /v1alpha/sessions'] = { body: JSON.stringify({ id: 51 /* wrong type */, name: 'sessions/51' }) };
    expect((await client().createSession({ prompt: 'Do it' })).id).toBe('51');
    answers['POST /v1alpha/sessions'] = { body: JSON.stringify([{ weird: true }]) };
    answers['GET /v1alpha/sessions'] = { body: JSON.stringify({}) };
    const err = await client().createSession({ prompt: 'Nowhere' }).catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamMalformed);
    expect(asked.filter((a) => a.startsWith('POST'))).toHaveLength(3);
  });

  it("filters activities in the SDK's form, 1 ns before the newest time held", async () => {
    expect(createTimeAfter('2026-01-01T00:00:02.5Z')).toBe('create_time>"2026-01-01T00:00:02.499999999Z"');
    expect(createTimeAfter('2026-01-01T00:00:00Z')).toBe('create_time>"2025-12-31T23:59:59.999999999Z"');
    answers['GET /v1alpha/sessions/1/activities'] = { body: JSON.stringify({ activities: [{ id: 'x', createTime: T2, originator: 'agent' }] }) };
    const r = await client().activitiesSince('1', { after: { createTime: T2, ids: [] } });
    expect(r.activities.map((a) => a.id)).toEqual(['x']);
    const url = new URL(`http://h${asked[0].split(' ')[1]}`);
    expect(url.searchParams.get('filter')).toBe('create_time>"2026-01-01T00:00:01.999999999Z"');
  });
});
