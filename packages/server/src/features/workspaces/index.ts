import type { Redis } from 'ioredis';
import type { MiddlewareHandler } from 'hono';
import type { Clock } from '../../platform/clock';
import type { Config } from '../../platform/config';
import type { Db } from '../../platform/db';
import type { Feature } from '../../platform/feature';
import { requireAuth } from '../../platform/http/auth';
import { createAuthThrottle } from '../../platform/http/throttle';
import { createKeyLimits } from '../../platform/http/key-limits';
import type { AppEnv } from '../../platform/http/types';
import type { Logger } from '../../platform/logger';
import type { EventBus } from '../../platform/events/bus';
import { createWorkspacesStore } from './workspaces.store';
import { createWorkspacesService, type WorkspacesService } from './workspaces.service';
import { registerWorkspacesRoutes } from './workspaces.routes';
import { createKeyHasher } from './keys';
import { createLoginSessions, type LoginSessions } from './login-sessions.service';
import { registerSessionRoutes } from './login-sessions.routes';
import { createLoginLinksStore } from './login-links.store';
import { createLoginLinks, type LoginLinks } from './login-links.service';
import { registerLoginLinkRoutes } from './login-links.routes';
import { createMembersStore } from './members.store';
import { createMembers } from './members.service';
import { createInvitesStore } from './invites.store';
import { createInvites, type Invites } from './invites.service';
import { createPeopleStore } from './people.store';
import { createPeople, type People } from './people.service';
import { registerPeopleRoutes } from './people.routes';
import { registerOidcRoutes } from './oidc.routes';

export { DEFAULT_WORKSPACE, type WorkspacesService } from './workspaces.service';
export type { LoginSessions } from './login-sessions.service';
export { LOGIN_LINK_TTL_MS, type LoginLinks } from './login-links.service';
export { INVITE_TTL_MS, type Invites } from './invites.service';
export { slugOf, slugCandidates } from './members.service';

export interface WorkspacesFeatureDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  /** Keys are HMACed under subkeys of the master key. */
  masterKey: Buffer;
  config: Pick<Config, 'AUTOPILOT_ADMIN_KEY' | 'AUTH_SESSION_TTL_MS' | 'AUTH_FAILURES_PER_MINUTE' | 'REDIS_PREFIX' | 'TRUST_PROXY' | 'AUTOPILOT_PUBLIC_URL' | 'SMTP_URL' | 'SMTP_FROM' | 'AUTH_SIGNUP' | 'OIDC_ISSUER' | 'OIDC_NAME' | 'OIDC_CLIENT_ID' | 'OIDC_CLIENT_SECRET' | 'OIDC_ALLOW_INSECURE'>;
  /** member.*, invite.* and workspace.* events. */
  bus?: EventBus;
  /** Shares failed-auth counters between instances (REDIS_URL); in memory without it. */
  redis?: Redis;
  /** Sessions come from the built-in simulator (shown by /api/me). */
  simulated: boolean;
}

export interface WorkspacesFeature extends Feature<WorkspacesService> {
  loginSessions: LoginSessions;
  /** One-click dashboard log-in links (`/login/<token>`, single use, 10 minutes). */
  loginLinks: LoginLinks;
  /** Workspace invitations (sign-up with an invitation accepts through `invites.accept`). */
  invites: Invites;
  /** People: accounts, sign-up/in, their sessions, password resets (issue #16). */
  people: People;
  /** The default workspace, created on the first start. */
  defaultWorkspaceId: string;
  /**
   * The owner key generated on the first start (only then, only without AUTOPILOT_ADMIN_KEY). Never logged: the
   * CLI's start-up banner shows it once (cli/banner.ts).
   */
  generatedKey?: string;
  /** Authenticates every /api request (bearer key or session cookie), throttling failures per address. */
  authenticate: MiddlewareHandler<AppEnv>;
}

/** Workspaces, their API keys and dashboard login sessions; creates the default workspace on the first start. */
export async function createWorkspacesFeature(deps: WorkspacesFeatureDeps): Promise<WorkspacesFeature> {
  const { config, log, clock } = deps;
  const store = createWorkspacesStore(deps.db);
  const hasher = createKeyHasher(deps.masterKey);
  const membersStore = createMembersStore(deps.db);
  // Per-key rate limits and daily quotas (issue #16), shared across instances through Redis when configured.
  const keyLimits = createKeyLimits({ redis: deps.redis, keyPrefix: config.REDIS_PREFIX, now: () => clock.now() });
  const service = createWorkspacesService({ store, clock, log, hasher, members: membersStore, bus: deps.bus, requestsToday: keyLimits.requestsToday });
  const members = createMembers({ store: membersStore, log, bus: deps.bus });
  const smtp = config.SMTP_URL ? { url: config.SMTP_URL, from: config.SMTP_FROM } : undefined;
  const invites = createInvites({ store: createInvitesStore(deps.db), members: membersStore, clock, log, hasher, bus: deps.bus, smtp, publicUrl: config.AUTOPILOT_PUBLIC_URL });
  const throttle = createAuthThrottle({ failures: config.AUTH_FAILURES_PER_MINUTE, windowSec: 60, redis: deps.redis, keyPrefix: config.REDIS_PREFIX });
  const boot = await service.bootstrap(config.AUTOPILOT_ADMIN_KEY);
  // Password sign-in failures have their own counters (per address and per e-mail), apart from the API keys'.
  const signinThrottle = createAuthThrottle({ failures: config.AUTH_FAILURES_PER_MINUTE, windowSec: 60, redis: deps.redis, keyPrefix: `${config.REDIS_PREFIX}:signin` });
  const people = createPeople({ store: createPeopleStore(deps.db), members: membersStore, workspaces: service, invites, hasher, clock, log, throttle: signinThrottle, policy: config.AUTH_SIGNUP, ttlMs: config.AUTH_SESSION_TTL_MS, defaultWorkspaceId: () => boot.workspaceId, smtp, publicUrl: config.AUTOPILOT_PUBLIC_URL, oidcName: config.OIDC_ISSUER ? config.OIDC_NAME : undefined });
  const loginSessions = createLoginSessions({ store, clock, log, hasher, ttlMs: config.AUTH_SESSION_TTL_MS, people });
  const loginLinks = createLoginLinks({ store: createLoginLinksStore(deps.db), clock, log, hasher, ownerWorkspaceId: boot.workspaceId });
  const auth = requireAuth({ checkKey: (key) => service.checkKey(key), sessions: loginSessions, throttle, log, trustProxy: config.TRUST_PROXY });
  // The key limits run right after authentication, inside its actor context; a 429 they answer becomes the response.
  const authenticate: MiddlewareHandler<AppEnv> = (c, next) =>
    auth(c, async () => {
      const refused = await keyLimits.middleware(c, next);
      if (refused instanceof Response) c.res = refused;
    });
  if (boot.generatedKey) log.info({ workspace: 'default' }, 'first start: an owner API key was generated for workspace "default" (the start-up banner shows it once)');
  return {
    service,
    loginSessions,
    loginLinks,
    invites,
    people,
    defaultWorkspaceId: boot.workspaceId,
    generatedKey: boot.generatedKey,
    authenticate,
    loops: [],
    routes(app) {
      registerWorkspacesRoutes(app, { service, simulated: deps.simulated, members, invites, describe: people.describe });
      registerSessionRoutes(app, { sessions: loginSessions, trustProxy: config.TRUST_PROXY, describe: people.describe });
      registerPeopleRoutes(app, { people, trustProxy: config.TRUST_PROXY, publicUrl: config.AUTOPILOT_PUBLIC_URL });
      registerOidcRoutes(app, { people, hasher, log, config });
      registerLoginLinkRoutes(app, { links: loginLinks, sessions: loginSessions, trustProxy: config.TRUST_PROXY, publicUrl: config.AUTOPILOT_PUBLIC_URL, log });
    },
  };
}
