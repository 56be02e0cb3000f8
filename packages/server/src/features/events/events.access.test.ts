import { afterEach, describe, expect, it } from 'vitest';
import type { Role } from '@autopilot/contracts';
import { createMemoryBus } from '../../platform/events/bus';
import { createHttpApp } from '../../platform/http/app';
import type { AuthContext } from '../../platform/http/types';
import { createLogger } from '../../platform/logger';
import { registerEventsRoutes } from './events.routes';

const WS = 'ws-1';

/** An app with the events route behind a fake authentication of the given person or key. */
function rig() {
  const bus = createMemoryBus();
  const stop = new AbortController();
  const app = createHttpApp({ log: createLogger({ level: 'silent' }), bodyLimitBytes: 100_000 });
  let auth: AuthContext;
  app.use('/api/*', async (c, next) => {
    c.set('auth', auth);
    await next();
  });
  registerEventsRoutes(app, { bus, shutdown: stop.signal });
  const as = (who: { role: Role; userId?: string | null; scopes?: string[] | null }): AuthContext => ({
    workspaceId: WS, workspaceName: 'ws', keyId: who.userId ? '' : 'k', keyName: who.userId ? '' : 'k', keyPrefix: '', keyPublicId: null, role: who.role, via: who.userId ? 'session' : 'key',
    actor: who.userId ? { kind: 'person', id: who.userId, name: 'p' } : { kind: 'key', id: 'k', name: 'k' }, userId: who.userId ?? null, scopes: who.scopes ?? null,
  });
  /** Opens a stream as `who`; `read()` collects event types until the stream ends or `until` arrives. */
  const open = async (who: Parameters<typeof as>[0]) => {
    auth = as(who);
    const res = await app.request('/api/events');
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    const types: string[] = [];
    let ended = false;
    const pump = async (until?: (type: string, data: unknown) => boolean) => {
      for (;;) {
        let idx: number;
        while ((idx = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, idx);
          buf = buf.slice(idx + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          const event = /^event: (.*)$/m.exec(block)?.[1];
          if (!event) continue;
          if (event === 'hello') {
            if (until?.('hello', null)) return;
            continue;
          }
          const e = JSON.parse(data ?? '{}') as { type: string; data: unknown };
          types.push(e.type);
          if (until?.(e.type, e.data)) return;
        }
        const { value, done } = await reader.read();
        if (done) return void (ended = true);
        buf += decoder.decode(value, { stream: true });
      }
    };
    await pump((type) => type === 'hello'); // subscribed once the hello came (it is written after the subscribe)
    return { types, pump, ended: () => ended, cancel: () => reader.cancel() };
  };
  return { bus, open, close: () => stop.abort() };
}

const member = (userId: string, from: Role, to: Role) => ({ userId, from, to, by: 'person:owner' });
const marker = (title: string) => ({ id: title, julesId: title, accountId: 'a', state: 'QUEUED', title });

describe('GET /api/events: who receives what, and streams that end when access changes', () => {
  let current: ReturnType<typeof rig> | undefined;
  afterEach(() => current?.close());

  it('filters by role and by a scoped key\'s resources', async () => {
    const r = (current = rig());
    const viewer = await r.open({ role: 'viewer' });
    const admin = await r.open({ role: 'admin' });
    const scoped = await r.open({ role: 'owner', scopes: ['events:read', 'inbox:read'] });
    await r.bus.publish('member.updated', WS, member('u9', 'member', 'viewer'));
    await r.bus.publish('inbox.updated', WS, { ids: [], all: true, change: 'read', unread: 0 });
    await r.bus.publish('session.created', WS, marker('end'));
    await r.bus.publish('inbox.updated', WS, { ids: [], all: true, change: 'unread', unread: 1 });
    await viewer.pump((t) => t === 'session.created');
    await admin.pump((t) => t === 'session.created');
    await scoped.pump((t) => t === 'inbox.updated' && scoped.types.filter((x) => x === 'inbox.updated').length === 2);
    expect(viewer.types).toEqual(['inbox.updated', 'session.created']);
    expect(admin.types).toEqual(['member.updated', 'inbox.updated', 'session.created']);
    // Owner role, but scoped to the inbox: no member or session event reaches it.
    expect(scoped.types).toEqual(['inbox.updated', 'inbox.updated']);
  });

  it("ends a person's stream when their own role changes or they are removed, not for someone else's", async () => {
    const r = (current = rig());
    const admin = await r.open({ role: 'admin', userId: 'u1' });
    const viewer = await r.open({ role: 'viewer', userId: 'u2' });
    const key = await r.open({ role: 'admin' });
    await r.bus.publish('member.updated', WS, member('u3', 'member', 'viewer')); // someone else
    await r.bus.publish('member.updated', WS, member('u1', 'admin', 'member')); // the admin is demoted
    await r.bus.publish('member.removed', WS, { userId: 'u2', role: 'viewer', left: false, by: 'person:owner' });
    await r.bus.publish('session.created', WS, marker('after'));
    await admin.pump();
    await viewer.pump();
    await key.pump((t) => t === 'session.created');
    // The admin saw both changes (it may read member events), its own last, then the stream ended.
    expect(admin.types).toEqual(['member.updated', 'member.updated']);
    expect(admin.ended()).toBe(true);
    // The viewer may not read member events: its stream ended without showing the removal.
    expect(viewer.types).toEqual([]);
    expect(viewer.ended()).toBe(true);
    // A key is not a person: member events never end its stream.
    expect(key.types).toEqual(['member.updated', 'member.updated', 'member.removed', 'session.created']);
    expect(key.ended()).toBe(false);
  });

  it('ends every stream of a workspace when it is deleted', async () => {
    const r = (current = rig());
    const viewer = await r.open({ role: 'viewer' });
    await r.bus.publish('workspace.deleted', 'other-ws', { slug: 'other', by: 'person:o' });
    await r.bus.publish('workspace.deleted', WS, { slug: 'ws', by: 'person:o' });
    await viewer.pump();
    expect(viewer.types).toEqual(['workspace.deleted']);
    expect(viewer.ended()).toBe(true);
  });
});
