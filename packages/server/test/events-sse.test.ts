import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppEvent, type EventData } from '@autopilot/contracts';
import { ADMIN_KEY, startTestOrchestrator, type TestOrchestrator } from './harness';

const created = (id: string, title = `task ${id}`): EventData<'session.created'> => ({ id, julesId: `j-${id}`, accountId: 'acc', state: 'QUEUED', title });

interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
}

/** Reads SSE messages from a fetch response until `count` messages of interest arrived or the stream ends. */
async function readEvents(res: Response, count: number, interesting = (m: SseMessage) => m.event !== 'hello'): Promise<SseMessage[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const out: SseMessage[] = [];
  let buf = '';
  while (out.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let idx: number;
    while ((idx = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, idx);
      buf = buf.slice(idx + 2);
      const msg: SseMessage = {};
      for (const line of block.split('\n')) {
        const m = /^(id|event|data): ?(.*)$/.exec(line);
        if (m) msg[m[1] as keyof SseMessage] = m[2];
      }
      if (msg.event && interesting(msg)) out.push(msg);
    }
  }
  await reader.cancel();
  return out;
}

describe('GET /api/events (SSE)', () => {
  let t: TestOrchestrator;
  let other: { id: string; key: string };
  let wsId: string;
  beforeAll(async () => {
    t = await startTestOrchestrator({}, { listen: true });
    other = await t.newWorkspace('sse-other');
    wsId = (await (await t.request('/api/me')).json()).workspace.id;
  });
  afterAll(async () => t?.close());

  const open = (lastId?: string, key = ADMIN_KEY) =>
    fetch(`${t.orch.url}/api/events`, { headers: { authorization: `Bearer ${key}`, ...(lastId ? { 'last-event-id': lastId } : {}) } });

  it('streams only the key workspace events and system events, with ids', async () => {
    const res = await open();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reading = readEvents(res, 2);
    await new Promise((r) => setTimeout(r, 50));
    await t.orch.bus.publish('session.created', other.id, created('o1', 'other workspace'));
    await t.orch.bus.publish('session.created', wsId, created('n1'));
    await t.orch.bus.publish('breaker.opened', null, { breaker: 'jules', accountId: 'x', accountName: 'x', state: 'open' });
    const got = await reading;
    expect(got.map((m) => m.event)).toEqual(['session.created', 'breaker.opened']);
    expect(JSON.stringify(got)).not.toContain('other workspace');
    expect(JSON.parse(got[0].data!).data).toEqual(created('n1'));
    expect(got[0].id).toBeTruthy();
    // The wire format: the envelope as the client parses it, the type's version included.
    const wire = JSON.parse(got[0].data!);
    expect(Object.keys(wire).sort()).toEqual(['at', 'data', 'id', 'type', 'version', 'workspaceId']);
    expect(AppEvent.parse(wire)).toEqual({ id: got[0].id, type: 'session.created', version: 1, workspaceId: wsId, at: wire.at, data: created('n1') });
  });

  it('resumes after Last-Event-ID with the events missed while away', async () => {
    const first = await t.orch.bus.publish('session.created', wsId, created('a'));
    await t.orch.bus.publish('session.state_changed', wsId, { id: 'b', julesId: 'j-b', from: 'QUEUED', to: 'PLANNING' });
    await t.orch.bus.publish('session.deleted', wsId, { id: 'c', julesId: 'j-c' });
    const got = await readEvents(await open(first.id), 2);
    expect(got.map((m) => JSON.parse(m.data!).data.id)).toEqual(['b', 'c']);
  });

  it('sends a reset event when the Last-Event-ID is older than the buffer', async () => {
    const got = await readEvents(await open('1'), 1);
    expect(got[0].event).toBe('reset');
  });

  it('requires a key', async () => {
    const res = await fetch(`${t.orch.url}/api/events`);
    expect(res.status).toBe(401);
  });
});
