import { z } from '@hono/zod-openapi';
import { IsoDate, PageQuery, pageOf } from './common';
import { SOURCE_PATTERN } from './sessions';

/**
 * Templates: a reusable way to start Jules sessions. The prompt, the title pattern and the branch may use
 * variables written `{{name}}` (spaces inside the braces allowed); each variable is declared with a type. Rendering
 * is plain substitution: values are inserted as text, once (a value containing `{{x}}` stays as typed), no code runs.
 */
export const VARIABLE_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,63}$';
/** A variable reference in a template text: `{{name}}` or `{{ name }}`. Anything else in braces is literal text. */
export const VARIABLE_REFERENCE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g;

/** The variable names a text refers to, each once, in order of first use. */
export function variablesIn(text: string | null | undefined): string[] {
  if (!text) return [];
  return [...new Set([...text.matchAll(VARIABLE_REFERENCE)].map((m) => m[1]))];
}

/** Replaces every `{{name}}` with `values[name]` (as text, in one pass); a name not in `values` is left as written. */
export function renderTemplateText(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(VARIABLE_REFERENCE, (m, name: string) => (Object.hasOwn(values, name) ? values[name] : m));
}

export const TEMPLATE_VARIABLE_TYPES = ['string', 'number', 'boolean', 'enum', 'repo', 'url'] as const;
export const TemplateVariableType = z.enum(TEMPLATE_VARIABLE_TYPES);
export type TemplateVariableType = z.infer<typeof TemplateVariableType>;

const base = {
  name: z.string().regex(new RegExp(VARIABLE_NAME_PATTERN), 'letters, digits and _, not starting with a digit (at most 64)').openapi({ example: 'repo' }),
  description: z.string().max(500).optional(),
  required: z.boolean().optional().openapi({ description: 'true = a value (or the default) must be given; a required text must not be blank' }),
};
const DEFAULT_NOTE = 'Checked like a value: a default that breaks this variable\'s own rules is a warning when saved and a problem in the preview when it is used';

const StringVariable = z.strictObject({
  ...base,
  type: z.literal('string'),
  default: z.string().max(10_000).optional().openapi({ description: DEFAULT_NOTE }),
  maxLength: z.number().int().min(1).max(50_000).optional(),
  pattern: z
    .string()
    .min(1)
    .max(500)
    .optional()
    .openapi({
      format: 'regex',
      description: 'A value must contain a match (anchor it with ^ and $ for the whole value). RE2 syntax (linear time: no lookaround or backreferences); an invalid one is a 400',
      example: '^[A-Z]+-[0-9]+$',
    }),
});
const NumberVariable = z.strictObject({ ...base, type: z.literal('number'), default: z.number().optional().openapi({ description: DEFAULT_NOTE }) });
const BooleanVariable = z.strictObject({ ...base, type: z.literal('boolean'), default: z.boolean().optional() });
const EnumVariable = z.strictObject({
  ...base,
  type: z.literal('enum'),
  values: z
    .array(z.string().min(1).max(200))
    .min(1)
    .max(100)
    .refine((v) => new Set(v).size === v.length, 'each value once')
    .openapi({ uniqueItems: true, description: 'The values it takes (exact text, case-sensitive)' }),
  default: z.string().max(200).optional().openapi({ description: `One of values. ${DEFAULT_NOTE}` }),
});
const RepoVariable = z.strictObject({
  ...base,
  type: z.literal('repo'),
  default: z.string().max(160).regex(new RegExp(SOURCE_PATTERN), 'owner/repo (also github/owner/repo, sources/github/owner/repo)').optional(),
});
const UrlVariable = z.strictObject({
  ...base,
  type: z.literal('url'),
  default: z.url({ protocol: /^https?$/ }).max(2000).optional().openapi({ pattern: '^https?://' }),
});

export const TemplateVariable = z
  .discriminatedUnion('type', [StringVariable, NumberVariable, BooleanVariable, EnumVariable, RepoVariable, UrlVariable])
  .openapi('TemplateVariable', {
    description:
      'A typed variable. string: text (maxLength, pattern); number: a number (a numeric text is read as one); boolean: true/false (also the texts "true"/"false"); enum: one of values; repo: a GitHub repository in any spelling (owner/repo, github/owner/repo, sources/github/owner/repo), inserted as owner/repo; url: an http(s) URL. A variable named repo must have type repo: it chooses the repository when sources is empty.',
  });
export type TemplateVariable = z.infer<typeof TemplateVariable>;

export const TemplateAutomationMode = z.enum(['AUTO_CREATE_PR', 'NONE']).openapi({ description: 'AUTO_CREATE_PR = Jules opens a pull request when done; NONE = it does not' });
export type TemplateAutomationMode = z.infer<typeof TemplateAutomationMode>;

/** What the keeper does differently for sessions started from the template (the subset the keeper supports per session). */
export const TemplateKeeperOverrides = z
  .strictObject({
    paused: z.boolean().optional().openapi({ description: "true = the keeper is paused for the template's sessions (as PUT /api/sessions/{id}/keeper does)" }),
    holdWords: z
      .array(z.string().trim().min(1).max(100))
      .max(100)
      .optional()
      .openapi({ description: "Added to the workspace's hold words for these sessions: a plan mentioning one is held for a person" }),
  })
  .openapi('TemplateKeeperOverrides');
export type TemplateKeeperOverrides = z.infer<typeof TemplateKeeperOverrides>;

const Source = z
  .string()
  .max(160)
  .regex(new RegExp(SOURCE_PATTERN), 'must be a GitHub repository: owner/repo (also accepted: github/owner/repo, sources/github/owner/repo)');
const Tag = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$/, 'letters, digits, . _ / - (at most 40), stored lower-case');

const fields = {
  name: z.string().trim().min(1).max(100).openapi({ description: 'Unique in the workspace (case-insensitive)' }),
  description: z.string().max(2000).optional(),
  prompt: z.string().trim().min(1).max(50_000).openapi({ description: 'The session prompt; may use {{variables}} (each must be declared)' }),
  title: z.string().trim().min(1).max(300).optional().openapi({ description: 'Title pattern; may use {{variables}}. Omitted: Jules titles the session' }),
  sources: z
    .array(Source)
    .max(100)
    .optional()
    .openapi({ description: 'Repositories (any spelling; stored as sources/github/owner/repo, duplicates dropped). Empty: the value of the variable named repo, or a repoless session' }),
  branch: z.string().trim().min(1).max(250).optional().openapi({ description: "Starting branch; may use {{variables}}. Omitted: the repository's default branch" }),
  requirePlanApproval: z.boolean().optional(),
  automationMode: TemplateAutomationMode.optional(),
  keeper: TemplateKeeperOverrides.optional(),
  tags: z.array(Tag).max(20).optional().openapi({ description: 'Stored lower-case, duplicates dropped' }),
  variables: z
    .array(TemplateVariable)
    .max(50)
    .superRefine((vars, ctx) => {
      const seen = new Set<string>();
      vars.forEach((v, i) => {
        if (seen.has(v.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `variable ${v.name} is declared twice` });
        seen.add(v.name);
      });
    })
    .optional()
    .openapi({ 'x-unique-by': 'name', description: 'Each name once' } as Record<string, unknown>),
};

const example = {
  name: 'Fix an issue',
  description: 'Work on one GitHub issue of a repository',
  prompt: 'Fix issue #{{issue}} in {{repo}}. Keep the change small and add a test.',
  title: 'Fix #{{issue}}',
  branch: 'main',
  requirePlanApproval: true,
  automationMode: 'AUTO_CREATE_PR',
  keeper: { holdWords: ['migration'] },
  tags: ['bugs'],
  variables: [
    { name: 'repo', type: 'repo', required: true, description: 'The repository' },
    { name: 'issue', type: 'number', required: true },
  ],
};

export const CreateTemplateBody = z.strictObject(fields).openapi('CreateTemplate', { example });
export type CreateTemplateBody = z.infer<typeof CreateTemplateBody>;

export const UpdateTemplateBody = z
  .strictObject({ ...fields, version: z.number().int().min(1).openapi({ description: 'The version read; an older one is a 409 (someone saved in between)' }) })
  .openapi('UpdateTemplate', { description: 'Replaces the whole template (fields omitted take their defaults)', example: { ...example, version: 1 } });
export type UpdateTemplateBody = z.infer<typeof UpdateTemplateBody>;

/** A problem or a warning about one variable (variable null: about the template as a whole). */
export const TemplateProblem = z
  .object({ variable: z.string().nullable().openapi({ example: 'issue' }), message: z.string().openapi({ example: 'required' }) })
  .openapi('TemplateProblem');
export type TemplateProblem = z.infer<typeof TemplateProblem>;

export const Template = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    prompt: z.string(),
    title: z.string().nullable(),
    sources: z.array(z.string()).openapi({ example: ['sources/github/acme/api'] }),
    branch: z.string().nullable(),
    requirePlanApproval: z.boolean(),
    automationMode: TemplateAutomationMode,
    keeper: z.object({ paused: z.boolean(), holdWords: z.array(z.string()) }),
    tags: z.array(z.string()),
    variables: z.array(TemplateVariable),
    version: z.number().int().openapi({ description: 'Starts at 1, one more per update; send it back with an update' }),
    warnings: z.array(TemplateProblem).openapi({ description: 'Declared but unused variables, defaults that break their own rules' }),
    createdAt: IsoDate,
    updatedAt: IsoDate,
  })
  .openapi('Template');
export type Template = z.infer<typeof Template>;

export const TemplateListQuery = PageQuery.extend({
  tag: z.string().max(40).optional().openapi({ param: { name: 'tag', in: 'query' }, description: 'Only templates with this tag (any case)' }),
});
export type TemplateListQuery = z.infer<typeof TemplateListQuery>;
export const TemplatePage = pageOf(Template).openapi('TemplatePage');

export const TemplateValue = z.union([z.string().max(50_000), z.number(), z.boolean()]);
export const TemplateValues = z.record(z.string().max(100), TemplateValue).openapi({ description: 'Variable name -> value', example: { repo: 'acme/api', issue: 42 } });

export const PreviewTemplateBody = z
  .strictObject({ values: TemplateValues.optional() })
  .openapi('PreviewTemplate', { example: { values: { repo: 'acme/api', issue: 42 } } });
export type PreviewTemplateBody = z.infer<typeof PreviewTemplateBody>;

export const PreviewDraftTemplateBody = z
  .strictObject({ template: CreateTemplateBody, values: TemplateValues.optional() })
  .openapi('PreviewDraftTemplate', { example: { template: example, values: { repo: 'acme/api', issue: 42 } } });
export type PreviewDraftTemplateBody = z.infer<typeof PreviewDraftTemplateBody>;

export const TemplatePreview = z
  .object({
    prompt: z.string(),
    title: z.string().nullable(),
    sources: z.array(z.string()).openapi({ description: 'The repositories a launch would start sessions on (sources/github/owner/repo); empty = repoless' }),
    branch: z.string().nullable().openapi({ description: "null = the repository's default branch" }),
    requirePlanApproval: z.boolean(),
    automationMode: TemplateAutomationMode,
    keeper: z.object({ paused: z.boolean(), holdWords: z.array(z.string()) }).openapi({ description: "The keeper overrides the template's sessions get" }),
    values: z.record(z.string(), TemplateValue).openapi({ description: 'The value each declared variable took (given or default), typed' }),
    problems: z.array(TemplateProblem).openapi({ description: 'Every missing required, wrongly typed or invalid variable, and values given for no variable. Empty = ready to launch' }),
    warnings: z.array(TemplateProblem),
  })
  .openapi('TemplatePreview');
export type TemplatePreview = z.infer<typeof TemplatePreview>;
