import { describe, expect, it } from 'vitest';
import type { JulesSource } from '@autopilot/contracts';
import { matchSources, missingMessage, resolveSource } from './source-picker';

const src = (owner: string, repo: string, accountId = 'a1', accountName = 'team'): JulesSource => ({
  name: `sources/github/${owner}/${repo}`, owner, repo, accountId, accountName, defaultBranch: 'main', branches: ['main'], isPrivate: false,
});
const items = [src('acme', 'api'), src('acme', 'web'), src('octo', 'acme-tools'), src('octo', 'cli'), src('acme', 'api', 'a2', 'second')];

describe('the source picker', () => {
  it('ranks the exact repository first, then prefixes, then the rest, whatever spelling is typed', () => {
    const names = (t: string) => matchSources(items, t).map((s) => `${s.owner}/${s.repo}@${s.accountId}`);
    expect(names('acme/api')).toEqual(['acme/api@a1', 'acme/api@a2']);
    expect(names('sources/github/octo/cli')).toEqual(['octo/cli@a1']);
    expect(names('github/acme/w')).toEqual(['acme/web@a1']);
    // A repo that starts with the text ranks with the owners that do.
    expect(names('ACME')).toEqual(['acme/api@a1', 'acme/web@a1', 'octo/acme-tools@a1', 'acme/api@a2']);
    expect(names('tools')).toEqual(['octo/acme-tools@a1']);
    expect(names('zzz')).toEqual([]);
    expect(matchSources(items, '  ')).toHaveLength(5);
  });

  it('resolves typed text to one source, or says why not', () => {
    expect(resolveSource(items, '')).toEqual({ kind: 'empty' });
    expect(resolveSource(items, 'not a repo')).toEqual({ kind: 'invalid' });
    expect(resolveSource(items, 'octo/cli')).toMatchObject({ kind: 'found', source: { accountId: 'a1' } });
    expect(resolveSource(items, 'github/acme/api')).toMatchObject({ kind: 'ambiguous', name: 'sources/github/acme/api' });
    expect(resolveSource(items, 'sources/github/acme/api', 'a2')).toMatchObject({ kind: 'found', source: { accountId: 'a2' } });
    expect(resolveSource(items, 'acme/foo')).toEqual({ kind: 'missing', name: 'sources/github/acme/foo' });
    expect(resolveSource(items, 'octo/cli', 'a2')).toEqual({ kind: 'missing', name: 'sources/github/octo/cli' });
  });

  it('names the account and where access is granted', () => {
    expect(missingMessage('sources/github/acme/foo', ['team'])).toBe("Jules has no access to acme/foo on account team: connect it in Jules' GitHub settings (jules.google.com), then refresh the list");
    expect(missingMessage('sources/github/acme/foo', ['team', 'second'])).toContain('on any of your accounts (team, second)');
  });
});
