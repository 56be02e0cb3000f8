import { randomBytes, randomUUID } from 'node:crypto';
import type { AppEvent, Role } from '@autopilot/contracts';
import { createTestDb, type TestDb } from '../../platform/db/testing';
import { createMemoryBus, type EventBus } from '../../platform/events/bus';
import { createLogger } from '../../platform/logger';
import type { Clock } from '../../platform/clock';
import type { AuthContext } from '../../platform/http/types';
import { createKeyHasher } from './keys';
import { createWorkspacesStore } from './workspaces.store';
import { createWorkspacesService } from './workspaces.service';
import { createMembersStore } from './members.store';
import { createMembers } from './members.service';
import { createInvitesStore } from './invites.store';
import { createInvites } from './invites.service';

/**
 * Test fixture for the members and invites suites: the workspaces, members and invites services on one test
 * database with a manual clock and a recording bus, and people inserted directly (users + memberships rows) with the
 * AuthContext a signed-in person's session gives them.
 */
export interface MembersWorld {
  t: TestDb;
  clock: Clock & { advance(ms: number): void };
  events: AppEvent[];
  bus: EventBus;
  workspaces: ReturnType<typeof createWorkspacesService>;
  members: ReturnType<typeof createMembers>;
  membersStore: ReturnType<typeof createMembersStore>;
  invites: ReturnType<typeof createInvites>;
  defaultWorkspaceId: string;
  /** A new person (no memberships). */
  person(name?: string): Promise<{ id: string; email: string; name: string }>;
  /** The context of `person` signed in and acting in `workspaceId` (their membership's role). */
  as(person: { id: string; name: string }, workspaceId: string): Promise<AuthContext>;
  /** Adds `person` to `workspaceId` with `role` (a row, as an accepted invitation would). */
  join(person: { id: string }, workspaceId: string, role: Role): Promise<void>;
  close(): Promise<void>;
}

export async function createMembersWorld(engine: 'sqlite' | 'postgres', opts: { smtp?: { url: string; from: string }; publicUrl?: string } = {}): Promise<MembersWorld> {
  const t = await createTestDb(engine);
  let now = Date.parse('2026-12-03T10:00:00Z');
  const clock = { now: () => now, sleep: async () => {}, advance: (ms: number) => void (now += ms) };
  const log = createLogger({ level: 'silent' });
  const hasher = createKeyHasher(randomBytes(32));
  const bus = createMemoryBus({ log });
  const events: AppEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const membersStore = createMembersStore(t.db);
  const workspaces = createWorkspacesService({ store: createWorkspacesStore(t.db), clock, log, hasher, members: membersStore, bus });
  const members = createMembers({ store: membersStore, log, bus });
  const invites = createInvites({ store: createInvitesStore(t.db), members: membersStore, clock, log, hasher, bus, ...opts });
  const boot = await workspaces.bootstrap();
  let n = 0;
  return {
    t,
    clock,
    events,
    bus,
    workspaces,
    members,
    membersStore,
    invites,
    defaultWorkspaceId: boot.workspaceId,
    async person(name) {
      n += 1;
      const id = randomUUID();
      const p = { id, email: `person${n}-${id.slice(0, 6)}@example.com`, name: name ?? `Person ${n}` };
      await t.db.kysely.insertInto('users').values({ id, email: p.email, name: p.name, password_hash: null, created_at: new Date(now).toISOString(), last_login_at: null, disabled_at: null }).execute();
      return p;
    },
    async as(person, workspaceId) {
      const m = await membersStore.membership(workspaceId, person.id);
      const ws = await membersStore.workspaceById(workspaceId);
      return {
        workspaceId,
        workspaceName: ws?.name ?? '',
        keyId: '',
        keyName: '',
        keyPrefix: '',
        keyPublicId: null,
        role: (m?.role ?? 'viewer') as Role,
        via: 'session',
        actor: { kind: 'person', id: person.id, name: person.name },
        userId: person.id,
        scopes: null,
      };
    },
    async join(person, workspaceId, role) {
      await membersStore.insertMembership({ workspace_id: workspaceId, user_id: person.id, role, created_at: new Date(now).toISOString(), added_by: 'signup' });
    },
    async close() {
      await bus.close();
      await t.cleanup();
    },
  };
}
