import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { AppEvent, EventCatalog, EventTypes, KeeperEventActionKind, type EventType } from './index';
import { KEEPER_ACTIONS } from './keeper';
import { eventJsonSchema, eventSchemaFiles } from './event-schemas';

const DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/events');

/** One event of each type, as the server publishes them. */
const samples: { [T in EventType]: unknown } = {
  'session.created': { id: 's1', julesId: 'j1', accountId: 'a1', state: 'QUEUED', title: 'Fix the login bug' },
  'session.state_changed': { id: 's1', julesId: 'j1', from: 'QUEUED', to: 'PLANNING' },
  'session.updated': { id: 's1', julesId: 'j1', state: 'PLANNING', archived: false, updateTime: '2026-11-23T10:00:00.123456Z' },
  'session.deleted': { id: 's1', julesId: 'j1' },
  'activity.added': { sessionId: 's1', julesId: 'j1', activityId: 'a9', kind: 'planGenerated', originator: 'agent', createTime: '2026-11-23T10:00:01Z' },
  'sessions.synced': { accountId: 'a1', backfill: true, created: 40, updated: 0, deleted: 0, activitiesAdded: 120 },
  'keeper.action': { id: 'k1', sessionId: 's1', kind: 'approve', trigger: 'plan:p1', status: 'failed', reason: 'plan had no risky step', error: 'Jules answered 409' },
  'notification.raised': { id: 'n1', sessionId: 's1', kind: 'plan_held', title: 'Plan held: Fix the login bug', body: 'The plan deletes a table.' },
  'notification.updated': { ids: ['n1'], all: false, change: 'resolved', reason: 'the plan was approved' },
  'dispatch.updated': { id: 'd1', accountId: 'a1', state: 'queued', origin: { kind: 'batch', id: 'b1' }, sessionId: null, attempts: 0, error: null, waitingFor: 'slot' },
  'github.pull.updated': { id: 'p1', repo: 'acme/shop', number: 12, sessionId: 's1', state: 'open', headSha: 'abc123', checks: 'failure', reviewDecision: 'none', mergeableState: 'unstable' },
  'ci.run.updated': { id: 'r1', repo: 'acme/shop', prNumber: 12, sessionId: 's1', name: 'test', headSha: 'abc123', status: 'completed', conclusion: 'failure' },
  'batch.progress': { id: 'b1', state: 'running', total: 5, queued: 2, dispatching: 1, created: 2, failed: 0, cancelled: 0 },
  'breaker.opened': { breaker: 'llm', providerId: 'p1', provider: 'primary', kind: 'openai', model: 'gpt-4.1-mini', state: 'open' },
  'breaker.closed': { breaker: 'jules', accountId: 'a1', accountName: 'work', state: 'closed' },
  'inbox.raised': { id: 'n1', source: 'keeper', kind: 'plan_held', severity: 'warning', title: 'Plan held', body: 'It deletes a table.', sessionId: 's1', repo: 'acme/shop', count: 2, links: [{ label: 'Session', href: '/sessions/s1' }] },
  'inbox.updated': { ids: ['n1'], all: false, change: 'dismissed', unread: 3 },
  'budget.threshold': { budgetId: 'b1', name: 'Monthly', percent: 80, spentUsd: 80.5, limitUsd: 100, period: '2026-12' },
  'schedule.run': { scheduleId: 'sc1', name: 'Nightly deps', runId: 'r1', outcome: 'failed', reason: 'template not found', batchId: null },
  'hook.delivery': { id: 'd1', endpointId: 'e1', status: 'processed', matched: ['Linear issues labelled jules'] },
  'channel.delivery': { id: 'cd1', channelId: 'c1', eventType: 'inbox.raised', status: 'pending', attempts: 3, error: 'upstream answered 503' },
  'channel.test': { channelId: 'c1', message: 'A test from Jules Autopilot' },
  'member.added': { userId: 'u1', role: 'member', via: 'invite', by: 'person:u1' },
  'member.updated': { userId: 'u1', from: 'member', to: 'admin', by: 'person:u2' },
  'member.removed': { userId: 'u1', role: 'viewer', left: true, by: 'person:u1' },
  'invite.created': { inviteId: 'i1', role: 'member', emailed: true, expiresAt: '2026-12-10T10:00:00.000Z', by: 'person:u2' },
  'invite.accepted': { inviteId: 'i1', userId: 'u1', role: 'member' },
  'invite.revoked': { inviteId: 'i1', by: 'key:k1' },
  'workspace.updated': { name: 'Team A', slug: 'team-a', by: 'person:u2' },
  'workspace.deleted': { slug: 'team-a', by: 'person:u2' },
};
const envelope = (type: EventType, data: unknown, version: number = EventCatalog[type].version) => ({ id: '1764000000000000001', type, version, workspaceId: 'w1', at: '2026-11-23T10:00:00.000Z', data });

describe('event catalog JSON Schemas (docs/events)', () => {
  it('are committed and up to date (run `npm run events:schemas` after changing contracts/src/events.ts)', () => {
    const want = eventSchemaFiles();
    expect(fs.readdirSync(DOCS).sort()).toEqual(Object.keys(want).sort());
    for (const [name, text] of Object.entries(want)) expect(fs.readFileSync(path.join(DOCS, name), 'utf8'), `docs/events/${name} is out of date`).toBe(text);
  });

  it('accept the events the catalog accepts, and reject a wrong payload, type or version, like the zod schemas', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    for (const type of EventTypes) {
      const validate = ajv.compile(eventJsonSchema(type));
      const good = envelope(type, samples[type]);
      expect(AppEvent.safeParse(good).success, type).toBe(true);
      expect(validate(good), `${type}: ${JSON.stringify(validate.errors)}`).toBe(true);
      // Each wrong variant is refused by both the published schema and the catalog's zod schema.
      const [field] = Object.keys(samples[type] as object);
      const bad = [
        envelope(type, { ...(samples[type] as object), [field]: 42 }),
        envelope(type, Object.fromEntries(Object.entries(samples[type] as object).slice(1))),
        envelope(type, samples[type], 99),
        { ...envelope(type, samples[type]), type: 'session.teleported' },
      ];
      for (const b of bad) {
        expect(validate(b), `${type} accepted ${JSON.stringify(b)}`).toBe(false);
        expect(AppEvent.safeParse(b).success, `${type} parsed ${JSON.stringify(b)}`).toBe(false);
      }
    }
  });

  it('lists the same keeper actions as the keeper contract', () => {
    expect(KeeperEventActionKind.options).toEqual([...KEEPER_ACTIONS]);
  });
});
