import type { PullsService } from './features/pulls';
import type { Config } from './platform/config';
import type { Logger } from './platform/logger';
import type { Db } from './platform/db';
import type { EventBus } from './platform/events/bus';
import type { JobQueue } from './platform/queue/port';
import type { ApiApp } from './platform/http/types';
import type { JobCatalog } from './jobs.catalog';
import type { JulesRuntime } from './integrations/jules/runtime';
import type { LoginLinks, WorkspacesService } from './features/workspaces';
import type { LlmService } from './features/llm';
import type { SessionsFeature } from './features/sessions';
import type { KeeperFeature } from './features/keeper';
import type { DispatchFeature } from './features/dispatch';
import type { BatchesService } from './features/batches';

/** A running orchestrator, as main.ts's `startOrchestrator` returns it (the CLI, tests and benches use it). */
export interface Orchestrator {
  app: ApiApp;
  url: string;
  config: Config;
  db: Db;
  bus: EventBus;
  queue: JobQueue<JobCatalog>;
  log: Logger;
  workspaces: WorkspacesService;
  /** The LLM gateway: every model call goes through it. */
  llm: LlmService;
  /** Jules sessions: the mirror (reads), actions through the Jules client, and Jules accounts. */
  sessions: SessionsFeature;
  /** The keeper: per-workspace loops acting on sessions, its settings and ledger. */
  keeper: KeeperFeature;
  /** The dispatcher: every session create (its service, and `pumpNow` for tests). */
  dispatch: DispatchFeature;
  /** Batches over the dispatcher (and the schedules' runner). */
  batches: BatchesService;
  /** The GitHub loop's PR mirror (issue #14). */
  pulls: PullsService;
  /** Where the configured Jules account points; `simulator` is set in demo mode. */
  jules: JulesRuntime;
  /** The owner key generated on first start (only on that start, only when AUTOPILOT_ADMIN_KEY is unset). */
  generatedKey?: string;
  /** One-click dashboard log-in links: the CLI's start-up banner mints one for the workspace's owner. */
  loginLinks: LoginLinks;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Serve HTTP (default true); tests may use `app.request()` only. */
  listen?: boolean;
  dashboardDir?: string;
}
