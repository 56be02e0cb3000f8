import { routes } from '@autopilot/contracts';

/*
 * The scope checklist of the API keys tab: every resource (a feature of the API, as the server checks it) with the
 * verbs its routes use, grouped for reading, and the translation between ticked boxes and the scopes a key carries
 * (`sessions:read`, `sessions:*`, `*`).
 */

export type Verb = 'read' | 'write';
export interface ScopeResource {
  resource: string;
  verbs: Verb[];
}
export interface ScopeGroup {
  label: string;
  resources: ScopeResource[];
}

const GROUPS: [string, string[]][] = [
  ['Sessions and work', ['sessions', 'dispatch', 'batches', 'templates', 'schedules', 'keeper', 'pulls', 'github']],
  ['Events in and out', ['events', 'hooks', 'inbox', 'channels']],
  ['LLM', ['llm', 'providers', 'budgets', 'routing']],
  ['Workspace and people', ['workspaces', 'people', 'audit', 'transfer', 'system']],
];

/** The verbs each resource's routes need (a resource with only reads offers no write box). */
export function scopeResources(table: Record<string, Record<string, { method: string; scope?: string }>> = routes as never): ScopeResource[] {
  // A feature without routes yet (an empty declaration) has nothing to grant: no row.
  return Object.entries(table).filter(([, decls]) => Object.keys(decls).length > 0).map(([resource, decls]) => {
    const verbs = new Set<Verb>();
    for (const d of Object.values(decls)) verbs.add(d.scope?.endsWith(':read') || (!d.scope && (d.method === 'get' || d.method === 'head')) ? 'read' : 'write');
    return { resource, verbs: (['read', 'write'] as const).filter((v) => verbs.has(v)) };
  });
}

/** The resources in their groups; a resource no group names goes to "Other". */
export function scopeGroups(resources: ScopeResource[] = scopeResources()): ScopeGroup[] {
  const byName = new Map(resources.map((r) => [r.resource, r]));
  const placed = new Set<string>();
  const out: ScopeGroup[] = [];
  for (const [label, names] of GROUPS) {
    const rs = names.flatMap((n) => (byName.has(n) ? (placed.add(n), [byName.get(n)!]) : []));
    if (rs.length) out.push({ label, resources: rs });
  }
  const rest = resources.filter((r) => !placed.has(r.resource));
  if (rest.length) out.push({ label: 'Other', resources: rest });
  return out;
}

/** Ticked boxes (`resource:verb`) as the scopes to send: `*` when everything, `r:*` when both verbs of r. */
export function scopesOf(checked: ReadonlySet<string>, everything: boolean, resources: ScopeResource[] = scopeResources()): string[] {
  if (everything) return ['*'];
  const out: string[] = [];
  for (const r of resources) {
    const on = r.verbs.filter((v) => checked.has(`${r.resource}:${v}`));
    if (on.length === 0) continue;
    if (on.length === r.verbs.length && r.verbs.length > 1) out.push(`${r.resource}:*`);
    else out.push(...on.map((v) => `${r.resource}:${v}`));
  }
  return out;
}

/** A key's scopes as ticked boxes (null or `*` = everything). */
export function checksOf(scopes: readonly string[] | null | undefined, resources: ScopeResource[] = scopeResources()): { everything: boolean; checked: Set<string> } {
  if (scopes == null || scopes.includes('*')) return { everything: true, checked: new Set() };
  const checked = new Set<string>();
  for (const s of scopes) {
    const [resource, verb] = s.split(':');
    const r = resources.find((x) => x.resource === resource);
    if (!r) continue;
    for (const v of r.verbs) if (verb === '*' || verb === v) checked.add(`${resource}:${v}`);
  }
  return { everything: false, checked };
}

/** A short reading of a key's scopes for the list: "everything", or "sessions (read, write), keeper (read)". */
export function scopesText(scopes: readonly string[] | null | undefined): string {
  if (scopes == null || scopes.includes('*')) return 'everything';
  if (scopes.length === 0) return 'nothing';
  const by = new Map<string, string[]>();
  for (const s of scopes) {
    const [r, v] = s.split(':');
    by.set(r, [...(by.get(r) ?? []), ...(v === '*' ? ['read', 'write'] : [v])]);
  }
  return [...by].map(([r, vs]) => `${r} (${[...new Set(vs)].join(', ')})`).join(', ');
}
