import type { FieldIssue, HookActionResult, HookPreset, HookRule, HookRuleInput, HookRulesTestResult } from '@autopilot/contracts';
import type { Clock } from '../../platform/clock';
import type { SecretBox } from '../../platform/crypto';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Logger } from '../../platform/logger';
import type { Metrics } from '../../platform/metrics';
import type { Outbound } from '../../platform/outbound';
import type { BatchesService } from '../batches';
import type { InboxService } from '../inbox';
import type { ExternalActions } from '../keeper';
import type { PullsService } from '../pulls';
import type { SessionsFeatureService } from '../sessions';
import type { Loop } from '../../platform/loops';

/**
 * The seam between the intake (endpoints, signatures, idempotency, the delivery log, replay: hooks.service.ts and
 * hooks.verify.ts) and the rules (JSONPath conditions, actions, replies to senders: hooks.rules.ts,
 * hooks.runner.ts, hooks.followups.ts).
 */

/** An endpoint as the runner sees it: rules with ids, reply credentials opened. */
export interface EndpointView {
  id: string;
  workspaceId: string;
  name: string;
  preset: HookPreset;
  mode: 'first' | 'all';
  rules: HookRule[];
  reply: { apiUrl: string | null; token: string | null };
}

/** One stored delivery (already verified, deduplicated and redacted for the log). */
export interface StoredDelivery {
  /** The delivery row id: with a rule id, the idempotency key of that rule's action. */
  id: string;
  workspaceId: string;
  endpointId: string;
  deliveryId: string;
  replayOf: string | null;
  event: string | null;
  /** Lower-case header names; signatures and tokens redacted. */
  headers: Record<string, string>;
  /** The parsed body (JSON, or a Slack command's form fields). The runner evaluates `$.body…` / `$.headers…`. */
  payload: unknown;
  receivedAt: string;
}

export interface RunOutcome {
  status: 'processed' | 'no_match' | 'failed';
  /** Names of the rules that matched (and ran). */
  matched: string[];
  results: HookActionResult[];
}

/** Rules and actions, for the intake. */
export interface RuleRunner {
  /**
   * Runs the endpoint's rules on one delivery and acts. Idempotent per (delivery row id, rule id): running the same
   * delivery again after a crash does not act twice (batches by idempotency key, messages by ledger trigger).
   */
  run(endpoint: EndpointView, delivery: StoredDelivery): Promise<RunOutcome>;
  /** Evaluates rules against a payload without acting. */
  test(endpoint: EndpointView, input: { payload: unknown; headers: Record<string, string> }, rules: HookRule[], mode: 'first' | 'all'): HookRulesTestResult;
  /** The starter rules of a preset in `repo` (slack: the /jules command; linear: issues labelled `jules`, only with a repo; others: none). */
  starterRules(preset: HookPreset, repo?: string): HookRuleInput[];
  /** Save-time checks of rules (JSONPaths parse, regexes safe, variables used are extracted): field issues under `pathPrefix`. */
  validate(rules: HookRuleInput[], pathPrefix: string): FieldIssue[];
  /** Follow-ups (replies once a session has a PR). */
  readonly loops: readonly Loop[];
}

export interface HooksFeatureDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  metrics?: Metrics;
  instanceId: string;
  secrets: SecretBox;
  outbound: Outbound;
  batches: BatchesService;
  sessions: SessionsFeatureService;
  ledger: ExternalActions;
  inbox: Pick<InboxService, 'raise'>;
  pulls: PullsService;
  /** AUTOPILOT_PUBLIC_URL: an endpoint's payload URL is `${publicUrl}/hooks/<id>`. */
  publicUrl?: string;
  /** HOOKS_RATE_PER_MINUTE. */
  ratePerMinute: number;
}

/** What the rules and their follow-ups need: the feature's deps without the intake's own. */
export type RunnerDeps = Omit<HooksFeatureDeps, 'metrics' | 'ratePerMinute'> & {
  /** How often the follow-up loop looks for replies due (default 2 s). */
  followupPollMs?: number;
};
