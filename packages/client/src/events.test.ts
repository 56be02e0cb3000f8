import { describe, expect, it } from 'vitest';
import type { AppEvent } from '@autopilot/contracts';
import { createTransport } from './http';
import { subscribeEvents, type ConnectionState } from './events';

const frame = (id: string, event: string, data: unknown) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const envelope = (id: string, type: string, data: unknown, version = 1) => ({ id, type, version, workspaceId: 'w1', at: '2026-11-23T10:00:00.000Z', data });
const deleted = { id: 's1', julesId: 'j1' };

/** A transport whose GET /api/events answers one stream with the given text, then keeps the next connection open. */
function streamOnce(text: string) {
  let calls = 0;
  return createTransport({
    baseUrl: 'http://orchestrator.test',
    fetch: async (_url, init) => {
      if (calls++ > 0) return new Promise<Response>((_, reject) => init?.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
      return new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    },
  });
}

describe('subscribeEvents parses with the event catalog', () => {
  it('delivers catalog events typed, and skips what does not match the catalog without dropping the stream', async () => {
    const text = [
      `event: hello\ndata: ${JSON.stringify({ workspaceId: 'w1', at: '2026-11-23T10:00:00.000Z' })}\n\n`,
      frame('1', 'session.deleted', envelope('1', 'session.deleted', deleted)),
      frame('2', 'session.deleted', envelope('2', 'session.deleted', { id: 's2' })), // payload misses julesId
      frame('3', 'session.deleted', envelope('3', 'session.deleted', deleted, 2)), // a version this client does not know
      frame('4', 'session.teleported', envelope('4', 'session.teleported', deleted)), // a type it does not know
      frame('5', 'notification.raised', envelope('5', 'notification.raised', { id: 'n1', sessionId: null, kind: 'session_paused', title: 'Paused', body: 'Resume it' })),
    ].join('');
    const got: AppEvent[] = [];
    const states: ConnectionState[] = [];
    const sub = subscribeEvents(streamOnce(text), { onEvent: (e) => got.push(e), onState: (s) => states.push(s), sleep: async () => {} });
    for (let i = 0; i < 200 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    sub.close();
    expect(states).toContain('connected');
    expect(got.map((e) => e.id)).toEqual(['1', '5']);
    const n = got[1];
    // Narrowed by type: the payload's fields are typed, no cast.
    expect(n.type === 'notification.raised' ? [n.data.kind, n.data.title, n.data.body] : null).toEqual(['session_paused', 'Paused', 'Resume it']);
    expect(sub.lastEventId).toBe('5');
  });
});
