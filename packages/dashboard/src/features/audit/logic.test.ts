import { describe, expect, it } from 'vitest';
import { AUDIT_VERIFY_REASONS } from '@autopilot/contracts';
import { auditFilterFrom, auditQueryOf, auditSearchOf, changeLine, changesOf, entries, reasonWords } from './logic';

describe('audit page filters in the URL', () => {
  it('reads and writes the filters, dropping malformed dates', () => {
    const f = auditFilterFrom(new URLSearchParams('actor=key:abc&action=workspacesCreateKey&target=t1&from=2026-12-01&to=not-a-day'));
    expect(f).toEqual({ actor: 'key:abc', action: 'workspacesCreateKey', target: 't1', from: '2026-12-01', to: '' });
    expect(auditSearchOf(f)).toBe('?actor=key%3Aabc&action=workspacesCreateKey&target=t1&from=2026-12-01');
    expect(auditSearchOf(auditFilterFrom(new URLSearchParams('')))).toBe('');
  });

  it('sends whole local days: from the start of `from` to the end of `to`', () => {
    const q = auditQueryOf({ actor: '', action: '', target: '', from: '2026-12-01', to: '2026-12-02' });
    expect(q.actor).toBeUndefined();
    expect(Date.parse(q.to!) - Date.parse(q.from!)).toBe(2 * 86_400_000 - 1);
    expect(new Date(q.from!).getHours()).toBe(0);
  });
});

describe('before/after summaries', () => {
  it('lists changed fields only, sorted, with new and removed fields', () => {
    const c = changesOf({ name: 'ci', role: 'member', same: 1 }, { name: 'ci-bot', role: 'member', same: 1, scopes: ['sessions:read'] });
    expect(c).toEqual([
      { field: 'name', before: 'ci', after: 'ci-bot' },
      { field: 'scopes', before: undefined, after: '["sessions:read"]' },
    ]);
    expect(changeLine(c)).toBe('name: ci → ci-bot, scopes: ["sessions:read"]');
    expect(changesOf(null, null)).toEqual([]);
    expect(changesOf(null, { a: 1 })).toEqual([{ field: 'a', before: undefined, after: '1' }]);
    expect(changesOf('x', 'y')).toEqual([{ field: 'value', before: 'x', after: 'y' }]);
  });

  it('cuts long lines', () => {
    const line = changeLine(changesOf({}, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, 'v'.repeat(30)]))), 60);
    expect(line.length).toBe(60);
    expect(line.endsWith('…')).toBe(true);
  });
});

describe('verification reasons in plain words', () => {
  it('has words of its own for every reason the contracts declare', () => {
    for (const r of AUDIT_VERIFY_REASONS) {
      const words = reasonWords(r);
      expect(words, r).not.toContain(r);
      expect(words.length, r).toBeGreaterThan(30);
    }
    expect(new Set(AUDIT_VERIFY_REASONS.map(reasonWords)).size).toBe(AUDIT_VERIFY_REASONS.length);
  });

  it('shows an unknown reason as it is, and says so when there is none', () => {
    expect(reasonWords('quantum_flip')).toContain('quantum_flip');
    expect(reasonWords(null)).toBe('The server did not say why.');
    expect(reasonWords('hash_mismatch')).toMatch(/changed after it was written/);
  });

  it('counts entries', () => {
    expect([entries(0), entries(1), entries(2)]).toEqual(['0 entries', '1 entry', '2 entries']);
  });
});
