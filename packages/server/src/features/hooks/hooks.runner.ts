import { SOURCE_PATTERN, type CreateBatchBody, type HookAction, type HookActionResult, type HookRule } from '@autopilot/contracts';
import { AppError } from '../../platform/errors';
import { createFollowups, type FollowupTarget } from './hooks.followups';
import { docOf, evaluate, fill, parseSlackCommand, select, starterRules, testRules, validateRules, type RuleDoc, type RuleEval } from './hooks.rules';
import type { EndpointView, RuleRunner, RunnerDeps, RunOutcome, StoredDelivery } from './hooks.types';

/** Where a refused batch names its fields: the rule's own, so a failed action says which field of the rule. */
const RULE_PATHS = { values: 'action.values', sources: 'action.repo', text: 'action', template: 'action.templateId' };
const SOURCE = new RegExp(SOURCE_PATTERN);
/** A batch of a `run_batch` rule holds at most this many items (the batches' own cap). */
const MAX_ITEMS = 500;

const result = (rule: HookRule, outcome: HookActionResult['outcome'], detail: string, ids: Partial<Pick<HookActionResult, 'batchId' | 'sessionId' | 'notificationId'>> = {}): HookActionResult => ({
  ruleId: rule.id, ruleName: rule.name, kind: rule.action.kind, outcome, detail: detail.slice(0, 2000), batchId: ids.batchId ?? null, sessionId: ids.sessionId ?? null, notificationId: ids.notificationId ?? null,
});

/** The reason a refused batch gives, with each field it names. */
function reasonOf(err: unknown): string {
  if (!(err instanceof AppError)) return err instanceof Error ? err.message : String(err);
  const issues = (err.details?.issues ?? []).map((i) => `${i.path}: ${i.message}`);
  return (issues.length ? `${err.message} (${issues.join('; ')})` : err.message).slice(0, 2000);
}

/** One CSV field, RFC 4180 quoted: payload text is data, so commas, quotes and newlines in it stay inside its cell. */
const csvField = (v: string) => `"${v.replace(/"/g, '""')}"`;
const asText = (v: unknown) => (typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v));

/**
 * Rules and their actions. Every action that starts something is idempotent per (delivery row, rule): launches and
 * batches go through the batches (hence the dispatcher) with idempotency key `hook:<delivery row id>:<rule id>` and
 * origin `webhook`; a message goes through the keeper's action ledger (kind `relay`, same trigger), checked like
 * every keeper message; a notification has that id in the center. Running a delivery again after a crash (the
 * intake's recovery) therefore acts once; a replay is a new delivery row and acts again, as documented.
 *
 * Values taken from payloads fill fields as data: a repository from a payload is checked like any repository, a
 * prompt is the rule author's text with the values inserted, never anything the orchestrator obeys.
 */
export function createRuleRunner(deps: RunnerDeps): RuleRunner {
  const log = deps.log.child({ part: 'rules' });
  const followups = createFollowups(deps);

  const keyOf = (d: StoredDelivery, rule: HookRule) => `hook:${d.id}:${rule.id}`;

  async function launch(endpoint: EndpointView, d: StoredDelivery, rule: HookRule, body: CreateBatchBody, reply: FollowupTarget | null): Promise<HookActionResult> {
    try {
      const { batch, created } = await deps.batches.create(d.workspaceId, { ...body, idempotencyKey: keyOf(d, rule) }, {
        origin: { kind: 'webhook', id: d.id }, paths: RULE_PATHS, accountPath: 'action.accountId', keyPath: 'delivery',
      });
      const n = batch.counts.total;
      const sessionId = batch.items.length === 1 ? batch.items[0].sessionId : null;
      let detail = `${created ? 'queued' : 'already queued'} batch ${batch.id}: ${n} session${n === 1 ? '' : 's'}`;
      if (reply) {
        const f = await followups.owe(endpoint, d, rule, batch.id, reply);
        detail += f;
      }
      return result(rule, 'done', detail, { batchId: batch.id, sessionId });
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return result(rule, 'failed', reasonOf(err));
      throw err;
    }
  }

  /** A repository field filled with variables, checked like any repository (a payload cannot name an odd one). */
  function repoOf(rule: HookRule, text: string | undefined, vars: Record<string, string | null>): { repo?: string; error?: HookActionResult } {
    if (text === undefined) return {};
    const repo = fill(text, vars).trim();
    if (!SOURCE.test(repo)) return { error: result(rule, 'failed', `action.repo: "${repo.slice(0, 200)}" is not a GitHub repository (owner/repo)`) };
    return { repo };
  }

  /** Replies owed for this action: Linear comments on Linear endpoints, Slack messages on Slack endpoints (default on). */
  function replyTarget(endpoint: EndpointView, d: StoredDelivery, wanted: boolean | undefined): FollowupTarget | null {
    if (wanted === false) return null;
    const doc = docOf(d.payload, d.headers);
    if (endpoint.preset === 'linear') {
      const [issueId] = select('$.body.data.id', doc, 1);
      const [identifier] = select('$.body.data.identifier', doc, 1);
      return typeof issueId === 'string' ? { kind: 'linear_comment', issueId, identifier: typeof identifier === 'string' ? identifier : null } : null;
    }
    if (endpoint.preset === 'slack') return slackTarget(doc, '');
    return null;
  }
  function slackTarget(doc: RuleDoc, prompt: string): FollowupTarget | null {
    const first = (p: string) => {
      const [v] = select(p, doc, 1);
      return typeof v === 'string' ? v : null;
    };
    const channel = first('$.body.channel_id');
    const responseUrl = first('$.body.response_url');
    if (!channel && !responseUrl) return null;
    return { kind: 'slack', channel, responseUrl, userId: first('$.body.user_id'), prompt: prompt.slice(0, 300) };
  }

  async function act(endpoint: EndpointView, d: StoredDelivery, e: RuleEval): Promise<HookActionResult> {
    const { rule, variables: vars } = e;
    const a: HookAction = rule.action;
    switch (a.kind) {
      case 'launch_template': {
        const r = repoOf(rule, a.repo, vars);
        if (r.error) return r.error;
        const values = Object.fromEntries(Object.entries(a.values ?? {}).map(([k, v]) => [k, fill(v, vars)]));
        return launch(endpoint, d, rule, { name: rule.name, input: { kind: 'template', templateId: a.templateId, values, ...(r.repo ? { sources: [r.repo] } : {}) } }, replyTarget(endpoint, d, a.reply));
      }
      case 'launch_session': {
        const r = repoOf(rule, a.repo, vars);
        if (r.error) return r.error;
        const prompt = fill(a.prompt, vars).trim();
        if (!prompt) return result(rule, 'failed', 'action.prompt: empty once its variables are filled in');
        const title = a.title ? fill(a.title, vars).trim().slice(0, 300) : undefined;
        return launch(endpoint, d, rule, { name: title || rule.name, input: { kind: 'prompt', prompt: prompt.slice(0, 50_000), ...(title ? { title } : {}), sources: [r.repo as string], autoCreatePr: true } }, replyTarget(endpoint, d, a.reply));
      }
      case 'run_batch': {
        const r = repoOf(rule, a.repo, vars);
        if (r.error) return r.error;
        let items: unknown[];
        try {
          items = select(a.items, docOf(d.payload, d.headers), MAX_ITEMS + 1);
        } catch (err) {
          return result(rule, 'failed', `action.items: ${(err as Error).message}`);
        }
        if (items.length === 0) return result(rule, 'skipped', `action.items: ${a.items} selected nothing`);
        if (items.length > MAX_ITEMS) return result(rule, 'failed', `action.items: more than ${MAX_ITEMS} items`);
        // One CSV row per item: strings are the prompt (or the template's `task`), objects give variables by key.
        const objects = items.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
        const columns = objects ? [...new Set(items.flatMap((v) => Object.keys(v as object)))].filter((k) => /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(k)) : [a.templateId ? 'task' : 'prompt'];
        if (columns.length === 0) return result(rule, 'failed', 'action.items: the selected objects have no usable keys');
        const rows = items.map((v) => (objects ? columns.map((c) => csvField(asText((v as Record<string, unknown>)[c]))) : [csvField(asText(v))]).join(','));
        const text = [columns.join(','), ...rows].join('\r\n');
        return launch(endpoint, d, rule, { name: rule.name, input: { kind: 'tasks', format: 'csv', text, ...(r.repo ? { source: r.repo } : {}), ...(a.templateId ? { templateId: a.templateId } : {}) } }, null);
      }
      case 'message_session': {
        const ref = fill(a.sessionId, vars).trim();
        let session;
        try {
          session = await deps.sessions.get(d.workspaceId, ref);
        } catch {
          return result(rule, 'failed', `action.sessionId: no session "${ref.slice(0, 200)}" in this workspace`);
        }
        const text = fill(a.message, vars).trim().slice(0, 10_000);
        if (!text) return result(rule, 'failed', 'action.message: empty once its variables are filled in');
        const o = await deps.ledger.act(d.workspaceId, {
          sessionId: session.id, kind: 'relay', trigger: keyOf(d, rule), reason: `webhook rule "${rule.name}" on endpoint "${endpoint.name}" (delivery ${d.deliveryId})`,
          // The same text as its own fallback: a message the keeper's check refuses is not sent at all.
          message: { text, fallback: text },
        });
        if (o.outcome === 'sent') return result(rule, 'done', `message sent (ledger action ${o.actionId})`, { sessionId: session.id });
        if (o.outcome === 'exists') return result(rule, o.status === 'failed' ? 'failed' : 'done', `already ${o.status ?? 'claimed'} (ledger action ${o.actionId})`, { sessionId: session.id });
        return result(rule, 'failed', o.error ?? `not sent (${o.outcome})`, { sessionId: session.id });
      }
      case 'notify': {
        const n = await deps.inbox.raise(d.workspaceId, {
          id: keyOf(d, rule), source: 'hooks', kind: 'webhook_rule', severity: a.severity ?? 'info', title: fill(a.title, vars).slice(0, 200) || rule.name,
          ...(a.body ? { body: fill(a.body, vars).slice(0, 4000) } : {}),
          links: [{ label: `Delivery on ${endpoint.name}`.slice(0, 200), href: `/webhooks/${endpoint.id}?delivery=${d.id}` }],
        });
        return result(rule, 'done', `notification ${n.id}`, { notificationId: n.id });
      }
      case 'slack_command': {
        const doc = docOf(d.payload, d.headers);
        const [text] = select('$.body.text', doc, 1);
        const { prompt, repo } = parseSlackCommand(typeof text === 'string' ? text : '', a.defaultRepo);
        const target = slackTarget(doc, prompt);
        if (!prompt || !repo) {
          const why = !prompt ? 'Usage: /jules <prompt> [owner/repo]' : 'Name a repository: /jules <prompt> owner/repo (this endpoint has no default)';
          if (target) await followups.say(endpoint, d, rule, target, why);
          return result(rule, 'skipped', why);
        }
        if (!SOURCE.test(repo)) return result(rule, 'failed', `"${repo.slice(0, 200)}" is not a GitHub repository (owner/repo)`);
        const title = prompt.split('\n')[0].slice(0, 120);
        return launch(endpoint, d, rule, { name: `/jules ${title}`.slice(0, 200), input: { kind: 'prompt', prompt, title, sources: [repo], autoCreatePr: true } }, target);
      }
    }
  }

  return {
    async run(endpoint, delivery): Promise<RunOutcome> {
      const evals = evaluate(endpoint.rules, endpoint.mode, docOf(delivery.payload, delivery.headers)).filter((e) => e.wouldRun);
      if (evals.length === 0) return { status: 'no_match', matched: [], results: [] };
      const results: HookActionResult[] = [];
      for (const e of evals) {
        const r = await act(endpoint, delivery, e);
        log.info({ workspaceId: delivery.workspaceId, endpointId: endpoint.id, deliveryRowId: delivery.id, rule: e.rule.id, kind: r.kind, outcome: r.outcome }, 'webhook rule ran');
        results.push(r);
      }
      return { status: results.some((r) => r.outcome === 'failed') ? 'failed' : 'processed', matched: evals.map((e) => e.rule.name), results };
    },
    test: (_endpoint, input, rules, mode) => testRules(rules, mode, docOf(input.payload, input.headers)),
    starterRules,
    validate: validateRules,
    loops: followups.loops,
  };
}
