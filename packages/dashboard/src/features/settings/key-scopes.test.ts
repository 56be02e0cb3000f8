import { describe, expect, it } from 'vitest';
import { checksOf, scopeGroups, scopeResources, scopesOf, scopesText } from './key-scopes';
import { lineOf } from './DataSettings';

describe('the scope checklist of the API keys tab', () => {
  const resources = scopeResources();

  it('offers every API feature once, with the verbs its routes use', () => {
    const names = resources.map((r) => r.resource);
    expect(names).toContain('sessions');
    expect(new Set(names).size).toBe(names.length);
    expect(resources.find((r) => r.resource === 'sessions')!.verbs).toEqual(['read', 'write']);
    // /api/events is a stream to read only: no write box.
    expect(resources.find((r) => r.resource === 'events')!.verbs).toEqual(['read']);
    const grouped = scopeGroups(resources).flatMap((g) => g.resources.map((r) => r.resource));
    expect(grouped.sort()).toEqual([...names].sort());
  });

  it('turns boxes into scopes and back', () => {
    const checked = new Set(['sessions:read', 'sessions:write', 'keeper:read']);
    const scopes = scopesOf(checked, false, resources);
    expect(scopes).toEqual(expect.arrayContaining(['sessions:*', 'keeper:read']));
    expect(scopes).toHaveLength(2);
    expect(checksOf(scopes, resources)).toEqual({ everything: false, checked });
    expect(scopesOf(new Set(), true, resources)).toEqual(['*']);
    expect(checksOf(null, resources).everything).toBe(true);
    expect(checksOf(['*'], resources).everything).toBe(true);
  });

  it('reads scopes for people', () => {
    expect(scopesText(null)).toBe('everything');
    expect(scopesText(['sessions:*', 'keeper:read'])).toBe('sessions (read, write), keeper (read)');
    expect(scopesText([])).toBe('nothing');
  });
});

describe('import problems by line', () => {
  it('splits line paths', () => {
    expect(lineOf('line.12.row.name')).toEqual({ line: 12, field: 'row.name' });
    expect(lineOf('body.line.3')).toEqual({ line: 3, field: '' });
    expect(lineOf('body')).toEqual({ line: null, field: '' });
  });
});
