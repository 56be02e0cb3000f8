import { z } from 'zod';

/** Bodies of the control API (/_sim/*), snake_case like the REST API they steer. */
const files = z.record(z.string(), z.string().nullable());
const annotation = z.object({
  path: z.string().min(1), start_line: z.number().int().positive(), end_line: z.number().int().positive().optional(),
  annotation_level: z.enum(['notice', 'warning', 'failure']).default('failure'), message: z.string().min(1), title: z.string().optional(),
});

export const ciBody = z.object({
  conclusion: z.enum(['success', 'failure', 'pending']),
  delay_seconds: z.number().min(0).optional(),
  checks: z.array(z.string().min(1)).min(1).optional(),
  failing: z.array(z.string().min(1)).optional(),
  annotations: z.array(annotation).optional(),
  log_tail: z.string().optional(),
}).strict();

export const repoBody = z.object({
  owner: z.string().regex(/^[A-Za-z0-9_.-]+$/), name: z.string().regex(/^[A-Za-z0-9_.-]+$/),
  default_branch: z.string().min(1).optional(), private: z.boolean().optional(), files: z.record(z.string(), z.string()).optional(),
  allow_auto_merge: z.boolean().optional(),
  merge_methods: z.object({ merge: z.boolean(), squash: z.boolean(), rebase: z.boolean() }).partial().optional(),
  protection: z.object({ required_checks: z.array(z.string()).default([]), required_approving_reviews: z.number().int().min(0).default(0) }).nullable().optional(),
  ci: ciBody.partial().optional(),
  hooks: z.array(z.object({ url: z.url(), secret: z.string().min(1), events: z.array(z.string()).optional() })).optional(),
}).strict();

export const openPullBody = z.object({
  branch: z.string().min(1), base: z.string().min(1).optional(), title: z.string().min(1).optional(), body: z.string().optional(),
  files: files.default({}), user: z.string().min(1).optional(), draft: z.boolean().optional(), message: z.string().optional(),
}).strict();

export const pushBody = z.object({ files, message: z.string().optional() }).strict();
export const branchBody = z.object({ branch: z.string().min(1), files, message: z.string().optional() }).strict();
export const mergeableBody = z.object({ mergeable: z.boolean().nullable() }).strict();
export const reviewBody = z.object({
  user: z.string().min(1), state: z.enum(['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED']), body: z.string().optional(),
  comments: z.array(z.object({ path: z.string().min(1), line: z.number().int().positive(), body: z.string().min(1) })).optional(),
}).strict();
export const labelsBody = z.object({ labels: z.array(z.string().min(1)).min(1) }).strict();
export const commentBody = z.object({ body: z.string().min(1), user: z.string().min(1).optional() }).strict();
export const mergeBody = z.object({ method: z.enum(['merge', 'squash', 'rebase']).optional(), sha: z.string().optional() }).strict();
export const autoMergeBody = z.object({ method: z.enum(['merge', 'squash', 'rebase']).default('merge'), user: z.string().optional() }).strict();
export const hookBody = z.object({ url: z.url(), secret: z.string().min(1), events: z.array(z.string()).optional() }).strict();
export const clockBody = z.object({ advance_seconds: z.number().min(0) }).strict();
export const rateBody = z.object({
  token: z.string().min(1).optional(), limit: z.number().int().min(0).optional(), remaining: z.number().int().min(0).optional(),
  reset_in_seconds: z.number().min(0).optional(),
}).strict();
