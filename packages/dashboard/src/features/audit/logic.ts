/* Pure helpers of the audit page: the filters in the URL, summaries of an entry's before/after. */

export interface AuditFilter {
  actor: string;
  action: string;
  target: string;
  /** yyyy-mm-dd (local day), inclusive */
  from: string;
  /** yyyy-mm-dd (local day), inclusive */
  to: string;
}
export const AUDIT_FILTER_KEYS = ['actor', 'action', 'target', 'from', 'to'] as const;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The filters from the page's URL (malformed dates dropped, text cut to 200 characters), so a bad link never 400s. */
export function auditFilterFrom(q: URLSearchParams): AuditFilter {
  const text = (k: string) => (q.get(k) ?? '').trim().slice(0, 200);
  const day = (k: string) => {
    const v = (q.get(k) ?? '').trim();
    return DAY.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00`)) ? v : '';
  };
  return { actor: text('actor'), action: text('action'), target: text('target'), from: day('from'), to: day('to') };
}

/** The URL search string of a filter ('' when nothing is filtered). */
export function auditSearchOf(f: AuditFilter): string {
  const p = new URLSearchParams();
  for (const k of AUDIT_FILTER_KEYS) if (f[k]) p.set(k, f[k]);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The API query of a filter: dates become the start of `from` and the end of `to` in the viewer's time zone. */
export function auditQueryOf(f: AuditFilter): { actor?: string; action?: string; target?: string; from?: string; to?: string } {
  return {
    ...(f.actor && { actor: f.actor }),
    ...(f.action && { action: f.action }),
    ...(f.target && { target: f.target }),
    ...(f.from && { from: new Date(`${f.from}T00:00:00`).toISOString() }),
    ...(f.to && { to: new Date(`${f.to}T23:59:59.999`).toISOString() }),
  };
}

export interface FieldChange {
  field: string;
  before: string | undefined;
  after: string | undefined;
}

const show = (v: unknown): string | undefined => (v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * What changed between two summaries, field by field (top-level keys; equal fields left out). A summary that is not
 * an object is one change under the field "value".
 */
export function changesOf(before: unknown, after: unknown): FieldChange[] {
  const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (before == null && after == null) return [];
  if (!obj(before ?? {}) || !obj(after ?? {})) {
    const b = show(before ?? undefined);
    const a = show(after ?? undefined);
    return b === a ? [] : [{ field: 'value', before: b, after: a }];
  }
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const out: FieldChange[] = [];
  for (const field of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
    const x = show(b[field]);
    const y = show(a[field]);
    if (x !== y) out.push({ field, before: x, after: y });
  }
  return out;
}

/** One line for the table: "name: a → b, role: member → admin" (cut), or "" when nothing is recorded. */
export function changeLine(changes: FieldChange[], max = 90): string {
  const cut = (s: string | undefined) => (s === undefined ? '∅' : s.length > 24 ? `${s.slice(0, 23)}…` : s);
  const line = changes.map((c) => (c.before === undefined ? `${c.field}: ${cut(c.after)}` : `${c.field}: ${cut(c.before)} → ${cut(c.after)}`)).join(', ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Each reason of a failed verification in plain words (a reason this page does not know yet is shown as it is). */
const REASON_WORDS: Record<string, string> = {
  hash_mismatch: 'An entry was changed after it was written: its content no longer matches its hash.',
  prev_hash_mismatch: 'An entry does not link to the one before it: entries were inserted, removed or reordered.',
  seq_gap: 'A sequence number is missing or out of order: entries were deleted or moved.',
  head_mismatch: 'The chain does not end where the server recorded its end: entries were removed from or added to its end.',
  anchor_mismatch: 'The chain starts later than any retention run allowed: its beginning was removed.',
  checkpoint_head_mismatch: 'An entry differs from what a signed checkpoint recorded: the chain was rewritten.',
  checkpoint_beyond_chain: 'A signed checkpoint covers more entries than the chain now holds: entries were removed from its end.',
  bad_signature: 'A stored checkpoint is not signed by this server’s audit key: it was forged or altered.',
};

/** The reason of a failed verification in plain words. */
export function reasonWords(reason: string | null): string {
  if (!reason) return 'The server did not say why.';
  return REASON_WORDS[reason] ?? `The server reported “${reason}”.`;
}

/** "1 entry" / "3 entries". */
export const entries = (n: number): string => `${n} entr${n === 1 ? 'y' : 'ies'}`;
