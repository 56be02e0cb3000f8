import { describe, expect, it } from 'vitest';
import { WorkspaceSlug } from '@autopilot/contracts';
import { slugCandidates, slugOf } from './members.service';

/** Slugs derived from names: always valid for WorkspaceSlug, at most 40 characters, with -2, -3 … within the limit. */
describe('workspace slugs', () => {
  it.each([
    ['Team A', 'team-a'],
    ['  Équipe d’Été  ', 'equipe-d-ete'],
    ['SLUG_TEAM', 'slug-team'],
    ['a', 'a-ws'],
    ['!!!', 'workspace'],
    ['数据团队', 'workspace'],
    ['x'.repeat(39) + '-yz', 'x'.repeat(39)],
  ])('%j -> %j', (name, slug) => {
    expect(slugOf(name)).toBe(slug);
    expect(WorkspaceSlug.safeParse(slug).success).toBe(true);
  });

  it('numbers collisions within 40 characters, every candidate valid and distinct', () => {
    const long = slugOf('n'.repeat(80));
    expect(long).toHaveLength(40);
    const all = [...slugCandidates(long)];
    expect(all.slice(0, 3)).toEqual([long, `${'n'.repeat(38)}-2`, `${'n'.repeat(38)}-3`]);
    expect(all.at(-1)).toBe(`${'n'.repeat(36)}-200`);
    expect(new Set(all).size).toBe(all.length);
    for (const s of all) expect(WorkspaceSlug.safeParse(s).success, s).toBe(true);
    expect([...slugCandidates('team-a')].slice(0, 2)).toEqual(['team-a', 'team-a-2']);
  });
});
