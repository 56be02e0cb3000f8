import { routes } from '@autopilot/contracts';
import { createTransport, type ClientOptions, type Transport } from './http';
import { workspacesApi } from './workspaces';
import { systemApi } from './system';
import { sessionsApi } from './sessions';
import { keeperApi } from './keeper';
import { providersApi } from './providers';
import { budgetsApi } from './budgets';
import { routingApi } from './routing';
import { llmApi } from './llm';
import { schedulesApi } from './schedules';
import { templatesApi } from './templates';
import { dispatchApi } from './dispatch';
import { batchesApi } from './batches';
import { githubApi } from './github';
import { pullsApi } from './pulls';
import { hooksApi } from './hooks';
import { inboxApi } from './inbox';
import { channelsApi } from './channels';
import { peopleApi } from './people';
import { auditApi } from './audit';
import { transferApi } from './transfer';
import { subscribeEvents, type SubscribeOptions, type Subscription } from './events';

/**
 * A typed client for the orchestrator's API, one group per feature. Every method is built from the route
 * declarations in `@autopilot/contracts` (method, path, params, body) and parses the answer with the declared
 * response schema, so a dashboard, CLI or editor extension gets exactly the types the server validated against;
 * failures throw ApiError.
 */
export function createClient(opts: ClientOptions) {
  const t: Transport = createTransport(opts);
  return {
    /** The workspaces feature: `me()`, `auth` (dashboard log-in), `keys` and `workspaces`. */
    ...workspacesApi(t),
    /** Every component and loop with status and latency. */
    ...systemApi(t),
    /** Jules sessions mirrored by the orchestrator, and the Jules accounts they come from. */
    sessions: sessionsApi(t),
    /** The keeper: settings, ledger, notifications, per-session pause. */
    keeper: keeperApi(t),
    /** LLM providers (keys write-only) and their connectivity test. */
    providers: providersApi(t),
    /** LLM budgets of the workspace. */
    budgets: budgetsApi(t),
    /** Routing policies and the routing simulator. */
    routing: routingApi(t),
    /** The LLM gateway: usage, recorded calls and circuit breakers. */
    llm: llmApi(t),
    /** Schedules: cron or interval in a time zone, next runs and run history. */
    schedules: schedulesApi(t),
    templates: templatesApi(t),
    dispatch: dispatchApi(t),
    batches: batchesApi(t),
    /** The GitHub connection (token write-only, its login and rate-limit budget). */
    github: githubApi(t),
    /** The GitHub loop: linked PRs, CI runs and stats, repository automation, the webhook, archive-finished. */
    pulls: pullsApi(t),
    /** Inbound webhooks: endpoints, rules, the delivery log, replay and rule tests. */
    hooks: hooksApi(t),
    /** The notification center: list, unread counts, read / dismiss / snooze, bulk. */
    inbox: inboxApi(t),
    /** Outbound channels: Slack, signed webhooks, e-mail; deliveries and attempts. */
    channels: channelsApi(t),
    /** People: sign-up, sign-in, password reset, OpenID Connect, the workspace switcher. */
    people: peopleApi(t),
    /** The audit trail: entries, verification, signed checkpoints. */
    audit: auditApi(t),
    /** Export and import of the caller's workspace. */
    transfer: transferApi(t),
    /**
     * Follows the live event stream (`routes.events.stream`, Server-Sent Events) with reconnect and Last-Event-ID
     * resume; call close() to stop.
     */
    events: Object.assign((o: SubscribeOptions): Subscription => subscribeEvents(t, o), { route: routes.events.stream }),
    /** The raw transport, for endpoints this client does not wrap yet. */
    transport: t,
  };
}

export type ApiClient = ReturnType<typeof createClient>;
