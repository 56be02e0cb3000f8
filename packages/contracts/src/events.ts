import { z } from '@hono/zod-openapi';

/**
 * The event catalog: every event on the bus and on `GET /api/events`. `data` is typed per type; features add
 * their events here so server, dashboard and client agree on them.
 */
export const EventTypes = [
  'system.hello',
  'session.created',
  'session.state_changed',
  'session.updated',
  'activity.added',
  'session.deleted',
  'sessions.synced',
  'keeper.action',
  'breaker.opened',
  'breaker.closed',
  'notification.raised',
] as const;
export const EventType = z.enum(EventTypes);
export type EventType = z.infer<typeof EventType>;

export const AppEvent = z
  .object({
    id: z.string().openapi({ description: 'Monotonic id; send it back as Last-Event-ID to resume' }),
    type: EventType,
    workspaceId: z.string().nullable().openapi({ description: 'null = every workspace (system events)' }),
    at: z.string(),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi('Event');
export type AppEvent = z.infer<typeof AppEvent>;
