import { z } from '@hono/zod-openapi';
import { IsoDate, PageQuery, pageOf } from './common';
import { SOURCE_PATTERN } from './sessions';

/**
 * Inbound webhooks (issue #15): endpoints per workspace at `/hooks/{endpoint id}`, each with its own secret and a
 * preset that verifies its sender the way that sender signs; rules (JSONPath conditions, in order, first match or
 * all) turn a delivery into actions: launch a template, run a batch, launch a session from a prompt, message a
 * session, post a notification. Every delivery is idempotent by the sender's delivery id, logged with secrets
 * redacted, and can be replayed; a rule can be tested against a stored or pasted payload without acting.
 *
 * Payloads are untrusted data: values extracted from them fill template variables and prompts as data, never as
 * instructions to the orchestrator.
 */

export const HookPreset = z.enum(['slack', 'linear', 'jira', 'github', 'standard']).openapi({
  description:
    'How deliveries are verified. slack: X-Slack-Signature v0 HMAC over `v0:{X-Slack-Request-Timestamp}:{body}`, 5-minute window. ' +
    'linear: Linear-Signature (hex HMAC-SHA256 of the body), webhookTimestamp in the body within 60 s, id from Linear-Delivery. ' +
    'jira: X-Hub-Signature (`sha256=` hex HMAC of the body, Jira\'s webhook secret), id from X-Atlassian-Webhook-Identifier. ' +
    'github: X-Hub-Signature-256, id from X-GitHub-Delivery. ' +
    'standard: Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature; secret `whsec_…`), 5-minute window.',
});
export type HookPreset = z.infer<typeof HookPreset>;

const JsonPath = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .regex(/^\$/, 'a JSONPath starts with $ (e.g. $.body.action)')
  .openapi({ description: 'A JSONPath expression (jsonpath-plus; its syntax is checked when saved) over the delivery: `$.body…` is the parsed payload, `$.headers[\'x-name\']` a header (lower case)', example: '$.body.data.title' });

export const HookConditionOp = z.enum(['exists', 'not_exists', 'equals', 'not_equals', 'matches', 'in', 'contains', 'gt', 'gte', 'lt', 'lte']).openapi({
  description:
    'Over every value the path selects (a path can select several, e.g. `$.body.labels[*].name`): exists = at least one; not_exists = none; ' +
    'equals / not_equals = some value is (none is) `value` (deep JSON equality; Unicode compared after NFC normalisation); matches = some string value matches the regular expression `value` (refused when it could backtrack catastrophically); ' +
    'in = some value is one of the array `value`; contains = some string contains `value`, or some array contains an element equal to it; gt/gte/lt/lte = some number (or numeric string) compares so with the number `value`',
});
export type HookConditionOp = z.infer<typeof HookConditionOp>;

/** A JSON value to compare with (any JSON but a missing one). */
const JsonValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);
const conditionOf = <O extends [HookConditionOp, ...HookConditionOp[]], V extends z.ZodType | undefined>(ops: O, value: V, description: string) =>
  z.strictObject({
    path: JsonPath,
    op: z.enum(ops),
    ...((value ? { value: (value as z.ZodType).openapi({ description }) } : {}) as V extends z.ZodType ? { value: V } : Record<never, never>),
  });

/**
 * One condition; what `value` must be follows from `op`, stated in the schema (one shape per group of operators):
 * none for exists / not_exists, any JSON for equals / not_equals / contains, an array for in, a regular expression
 * for matches, a number for the comparisons.
 */
export const HookCondition = z
  .discriminatedUnion('op', [
    conditionOf(['exists', 'not_exists'], undefined, ''),
    conditionOf(['equals', 'not_equals', 'contains'], JsonValue, 'What to compare with (JSON)'),
    conditionOf(['in'], z.array(z.unknown()).max(500), 'The values any selected value may be'),
    conditionOf(['matches'], z.string().min(1).max(500), 'A regular expression (JavaScript syntax; refused when it could backtrack catastrophically)'),
    conditionOf(['gt', 'gte', 'lt', 'lte'], z.number(), 'The number to compare with'),
  ])
  .openapi('HookCondition');
export type HookCondition = z.infer<typeof HookCondition>;
/** A condition's value (undefined for exists / not_exists). */
export const conditionValue = (c: HookCondition): unknown => ('value' in c ? c.value : undefined);
/** A condition from its parts, as a form or a test builds it; the schema still decides whether `value` fits `op`. */
export const makeCondition = (path: string, op: HookConditionOp, value?: unknown): HookCondition => (value === undefined ? { path, op } : { path, op, value }) as HookCondition;

const VARIABLE_NAME = '^[A-Za-z_][A-Za-z0-9_]{0,63}$';
const VariableName = z.string().regex(new RegExp(VARIABLE_NAME), 'a letter or _, then letters, digits or _ (64 at most)');
/** Record keys are variable names: stated as `propertyNames`, which the generator does not emit for a record's key schema. */
const variableKeys = { propertyNames: { type: 'string' as const, pattern: VARIABLE_NAME } };
/** name -> JSONPath; the first value the path selects (strings as is, other JSON as compact JSON). */
const Extract = z
  .record(VariableName, JsonPath)
  .openapi({ description: 'Variables extracted from the delivery: name -> JSONPath (first value selected). Text fields below may use `{{name}}`', example: { title: '$.body.data.title', issue: '$.body.data.identifier' }, ...variableKeys });
const Text = (max: number, what: string) => z.string().trim().min(1).max(max).openapi({ description: `${what}; \`{{name}}\` is replaced by an extracted variable` });
const RepoText = z.string().trim().min(1).max(300).openapi({ description: '`owner/name` (or `sources/github/owner/name`), literal or with `{{name}}`', example: 'acme/shop' });

/** What a rule does when its conditions hold. */
export const HookAction = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('launch_template'),
      templateId: z.string().trim().min(1).max(64),
      extract: Extract.optional(),
      values: z.record(VariableName, z.string().max(50_000)).optional().openapi({ description: 'Template variables: name -> text with `{{name}}` from `extract`', ...variableKeys }),
      repo: RepoText.optional().openapi({ description: "Omitted: the template's sources (or its repo variable)" }),
      reply: z.boolean().optional().openapi({ description: 'Answer the sender when the session has a PR (Slack: in the thread; Linear: a comment on the issue). Default true for slack and linear endpoints' }),
    }),
    z.strictObject({
      kind: z.literal('launch_session'),
      prompt: Text(50_000, 'The prompt'),
      title: Text(300, 'The session title').optional(),
      repo: RepoText,
      extract: Extract.optional(),
      reply: z.boolean().optional(),
    }),
    z.strictObject({
      kind: z.literal('run_batch'),
      templateId: z.string().trim().min(1).max(64).optional().openapi({ description: 'Each item fills this template; omitted = each item is a prompt' }),
      items: JsonPath.openapi({ description: 'Selects the items: each selected value is one session (a string = its prompt / `task` variable; an object = template variables by key)' }),
      repo: RepoText.optional(),
      extract: Extract.optional(),
    }),
    z.strictObject({
      kind: z.literal('message_session'),
      sessionId: Text(200, 'The session (orchestrator id or Jules id)'),
      message: Text(10_000, 'The message sent to Jules (through the keeper\'s action ledger, checked like every keeper message)'),
      extract: Extract.optional(),
    }),
    z.strictObject({
      kind: z.literal('notify'),
      title: Text(200, 'The notification title'),
      body: Text(4_000, 'Its text').optional(),
      severity: z.enum(['info', 'warning', 'critical']).optional(),
      extract: Extract.optional(),
    }),
    z.strictObject({
      kind: z.literal('slack_command'),
      defaultRepo: RepoText.optional().openapi({ description: 'The repository when the command names none (`/jules <prompt> [owner/repo]`)' }),
    }),
  ])
  .openapi('HookAction');
export type HookAction = z.infer<typeof HookAction>;
export type HookActionKind = HookAction['kind'];

export const HookRule = z
  .strictObject({
    id: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . -').optional().openapi({ description: 'Stable id (generated when omitted)' }),
    name: z.string().trim().min(1).max(200),
    enabled: z.boolean().optional().openapi({ description: 'Default true' }),
    conditions: z.array(HookCondition).max(50).openapi({ description: 'All must hold (an empty list always holds)' }),
    action: HookAction,
  })
  .openapi('HookRule');
export type HookRuleInput = z.infer<typeof HookRule>;
export type HookRule = HookRuleInput & { id: string; enabled: boolean };

export const HookReplyConfig = z
  .object({
    apiUrl: z.string().nullable().openapi({ description: "Where replies go: Slack's Web API base (default https://slack.com/api) or Linear's GraphQL URL (default https://api.linear.app/graphql); through the outbound module" }),
    tokenSet: z.boolean().openapi({ description: 'A Slack bot token (chat.postMessage in the thread) or a Linear API key (commentCreate) is stored (write-only)' }),
    tokenLast4: z.string().nullable(),
  })
  .openapi('HookReplyConfig');

export const HookEndpoint = z
  .object({
    id: z.string(),
    name: z.string(),
    preset: HookPreset,
    url: z.string().openapi({ description: 'The payload URL to give the sender: `{AUTOPILOT_PUBLIC_URL}/hooks/{id}`' }),
    enabled: z.boolean(),
    mode: z.enum(['first', 'all']).openapi({ description: 'first = run the first matching rule only; all = every matching rule, in order' }),
    rules: z.array(z.object({ id: z.string(), name: z.string(), enabled: z.boolean(), conditions: z.array(HookCondition), action: HookAction })),
    secretLast4: z.string(),
    reply: HookReplyConfig,
    deliveries: z.number().int().openapi({ description: 'Deliveries accepted' }),
    rejected: z.number().int().openapi({ description: 'Deliveries refused (signature, timestamp)' }),
    lastDeliveryAt: IsoDate.nullable(),
    createdAt: IsoDate,
    updatedAt: IsoDate,
  })
  .openapi('HookEndpoint');
export type HookEndpoint = z.infer<typeof HookEndpoint>;

const Secret = z
  .string()
  .min(16)
  .max(256)
  .regex(/^[\x21-\x7e]{16,256}$/, '16 to 256 printable ASCII characters without spaces')
  .openapi({ description: "The sender's signing secret (Slack's signing secret, Linear's webhook secret …); omitted = generate one (standard: `whsec_` + base64), answered once" });
const ReplyToken = z.string().min(8).max(500).regex(/^[\x21-\x7e]{8,500}$/, 'printable ASCII without spaces');
const ApiUrl = z.url().max(500);

export const CreateHookEndpointBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    preset: HookPreset,
    secret: Secret.optional(),
    mode: z.enum(['first', 'all']).optional().openapi({ description: 'Default first' }),
    enabled: z.boolean().optional(),
    rules: z.array(HookRule).max(100).optional().openapi({ description: 'Omitted: the preset\'s starter rules (slack: the /jules command; linear: issues labelled `jules`, which needs `repo`). Rule ids are unique', 'x-unique-by': 'id' } as Record<string, unknown>),
    repo: z.string().max(160).regex(new RegExp(SOURCE_PATTERN), 'must be a GitHub repository: owner/repo (also accepted: sources/github/owner/repo)').optional().openapi({ description: "The repository the preset's starter rules launch in (slack: /jules without a repository; linear: every labelled issue). Only used when `rules` is omitted; required then for linear" }),
    reply: z.strictObject({ apiUrl: ApiUrl.nullable().optional(), token: ReplyToken.nullable().optional() }).optional(),
  })
  .openapi('CreateHookEndpoint', {
    // The service's rule, in JSON Schema: a linear endpoint without rules gets the starter rule, which needs `repo`.
    // (The properties restated beside `required`: Redocly reads each subschema on its own.)
    if: { properties: { preset: { const: 'linear' } }, required: ['preset'], not: { required: ['rules'], properties: { rules: { type: 'array' } } } },
    then: { required: ['repo'], properties: { repo: { type: 'string' } }, unevaluatedProperties: true },
    example: { name: 'Linear issues', preset: 'linear', secret: 'lin_wh_0123456789abcdef', repo: 'acme/shop' },
  } as Record<string, unknown>);
export type CreateHookEndpointBody = z.infer<typeof CreateHookEndpointBody>;

export const UpdateHookEndpointBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    enabled: z.boolean().optional(),
    mode: z.enum(['first', 'all']).optional(),
    rules: z.array(HookRule).max(100).optional().openapi({ description: 'Replaces every rule, in this order. Rule ids are unique', 'x-unique-by': 'id' } as Record<string, unknown>),
    reply: z.strictObject({ apiUrl: ApiUrl.nullable().optional(), token: ReplyToken.nullable().optional() }).optional(),
  })
  .openapi('UpdateHookEndpoint', { minProperties: 1, example: { enabled: false } });
export type UpdateHookEndpointBody = z.infer<typeof UpdateHookEndpointBody>;

export const HookEndpointSaved = HookEndpoint.extend({
  secret: z.string().nullable().openapi({ description: 'The secret, shown only in this answer (null when you gave it)' }),
}).openapi('HookEndpointSaved');
export type HookEndpointSaved = z.infer<typeof HookEndpointSaved>;

export const RotateHookSecretBody = z.strictObject({ secret: Secret.optional() }).openapi('RotateHookSecret', { example: {} });
export type RotateHookSecretBody = z.infer<typeof RotateHookSecretBody>;

export const HookEndpointPage = pageOf(HookEndpoint).openapi('HookEndpointPage');

/** What one matched rule did. */
export const HookActionResult = z
  .object({
    ruleId: z.string(),
    ruleName: z.string(),
    kind: z.string().openapi({ description: 'The action kind' }),
    outcome: z.enum(['done', 'failed', 'skipped']),
    detail: z.string().openapi({ description: 'What it did, or why not' }),
    batchId: z.string().nullable(),
    sessionId: z.string().nullable(),
    notificationId: z.string().nullable(),
  })
  .openapi('HookActionResult');
export type HookActionResult = z.infer<typeof HookActionResult>;

export const HookDeliveryStatus = z.enum(['queued', 'processed', 'no_match', 'failed']).openapi({ description: 'queued = accepted, rules not run yet; processed = some rule matched and acted; no_match = no rule matched; failed = an action failed (see results)' });

export const HookDeliverySummary = z
  .object({
    id: z.string(),
    endpointId: z.string(),
    deliveryId: z.string().openapi({ description: "The sender's delivery id (the idempotency key; derived from the body hash when the sender sends none)" }),
    replayOf: z.string().nullable().openapi({ description: 'The delivery this one replays' }),
    status: HookDeliveryStatus,
    event: z.string().nullable().openapi({ description: "The sender's event type where it names one (X-GitHub-Event, Linear's type.action, Slack's command)" }),
    matched: z.array(z.string()).openapi({ description: 'Names of the rules that matched' }),
    receivedAt: IsoDate,
    processedAt: IsoDate.nullable(),
  })
  .openapi('HookDeliverySummary');

export const HookDelivery = HookDeliverySummary.extend({
  headers: z.record(z.string(), z.string()).openapi({ description: 'Request headers, lower case, with signatures, tokens and cookies redacted' }),
  payload: z.unknown().openapi({ description: 'The parsed body (JSON, or the form fields of a Slack command) with secret-looking values redacted' }),
  results: z.array(HookActionResult),
  error: z.string().nullable(),
}).openapi('HookDelivery');
export type HookDelivery = z.infer<typeof HookDelivery>;

export const HookDeliveryQuery = PageQuery.extend({
  status: HookDeliveryStatus.optional().openapi({ param: { name: 'status', in: 'query' } }),
});
export type HookDeliveryQuery = z.infer<typeof HookDeliveryQuery>;
export const HookDeliveryPage = pageOf(HookDeliverySummary).openapi('HookDeliveryPage');

/** Test rules against a stored or pasted payload: nothing acts. */
export const TestHookRulesBody = z
  .strictObject({
    deliveryId: z.string().trim().min(1).max(64).optional().openapi({ description: 'A stored delivery of this endpoint (its redacted payload)' }),
    payload: z.unknown().optional().openapi({ description: 'A pasted payload (JSON)' }),
    headers: z.record(z.string().max(200), z.string().max(4000)).optional(),
    rules: z.array(HookRule).max(100).optional().openapi({ description: "Draft rules to test (omitted: the endpoint's saved rules). Rule ids are unique", 'x-unique-by': 'id' } as Record<string, unknown>),
    mode: z.enum(['first', 'all']).optional(),
  })
  .openapi('TestHookRules', {
    // The service's rule, in JSON Schema: without a stored delivery, a pasted payload.
    if: { not: { required: ['deliveryId'], properties: { deliveryId: { type: 'string' } } } },
    then: { required: ['payload'], properties: { payload: {} }, unevaluatedProperties: true },
    example: { payload: { type: 'Issue', action: 'create', data: { title: 'Fix login', labels: [{ name: 'jules' }] } } },
  } as Record<string, unknown>);
export type TestHookRulesBody = z.infer<typeof TestHookRulesBody>;

export const HookRuleTest = z
  .object({
    ruleId: z.string(),
    ruleName: z.string(),
    matched: z.boolean(),
    wouldRun: z.boolean().openapi({ description: 'Matched and reached (mode first stops at the first match)' }),
    conditions: z.array(z.object({ path: z.string(), op: HookConditionOp, held: z.boolean(), values: z.array(z.unknown()).openapi({ description: 'What the path selected (at most 10)' }), error: z.string().nullable() })),
    variables: z.record(z.string(), z.string().nullable()).openapi({ description: 'The extracted variables (null = the path selected nothing)' }),
    action: z.string().openapi({ description: 'What the action would do, in words, with variables filled in' }),
  })
  .openapi('HookRuleTest');
export const HookRulesTestResult = z.object({ rules: z.array(HookRuleTest), matched: z.number().int() }).openapi('HookRulesTestResult');
export type HookRulesTestResult = z.infer<typeof HookRulesTestResult>;

export const ReplayHookResult = z.object({ delivery: HookDeliverySummary }).openapi('ReplayHookResult');
