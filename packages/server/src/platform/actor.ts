import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who caused what is happening now (issue #16): a person, an API key, or the orchestrator's own automation (the
 * keeper, a schedule, a webhook, the GitHub loop). Attribution of LLM calls and session creates, per-key quotas and
 * the audit trail read it from here instead of threading it through every call: the auth middleware runs each
 * request inside `runAs(auth.actor)`, loops and queue handlers run their work inside `runAs({ kind: 'keeper', ... })`.
 * AsyncLocalStorage follows awaits, timers and promise chains started inside the callback.
 */
export type ActorKind = 'person' | 'key' | 'keeper' | 'schedule' | 'webhook' | 'automation' | 'system';

export interface Actor {
  kind: ActorKind;
  /** The person's, key's, schedule's or webhook endpoint's id; the loop's name for the keeper and automations. */
  id: string;
  /** What people read (a person's name or e-mail, a key's name, "keeper"). */
  name: string;
  /** For a key (or a person signed in with one): its per-key limits, read by the gateway's quota check. */
  limits?: { llmUsdPerMonth?: number | null; requestsPerDay?: number | null; ratePerMinute?: number | null };
}

const store = new AsyncLocalStorage<Actor>();

/** What runs with no actor set: start-up, migrations, housekeeping. */
export const SYSTEM_ACTOR: Actor = Object.freeze({ kind: 'system', id: 'system', name: 'system' });

/** Runs `fn` (and everything it starts) as `actor`. */
export const runAs = <T>(actor: Actor, fn: () => T): T => store.run(actor, fn);

/** The actor of the work running now; the system actor outside any. */
export const currentActor = (): Actor => store.getStore() ?? SYSTEM_ACTOR;

/** `<kind>:<id>`, the one text form stored in attribution columns (`person:…`, `key:…`, `keeper:…`). */
export const actorRef = (a: Actor = currentActor()): string => `${a.kind}:${a.id}`;
