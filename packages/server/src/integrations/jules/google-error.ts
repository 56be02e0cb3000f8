/**
 * Google's error envelope: `{"error":{"code","message","status","details":[{"@type": ...}]}}`. Two detail types
 * matter to a client: `google.rpc.RetryInfo` (`retryDelay`, a protobuf Duration such as `"3s"`) says when to come
 * back, and `google.rpc.BadRequest` (`fieldViolations[{field, description}]`) says which input was refused.
 */
export interface GoogleError {
  message?: string;
  /** `error.status`, e.g. INVALID_ARGUMENT. */
  status?: string;
  /** From RetryInfo, in ms. */
  retryDelayMs?: number;
  /** From BadRequest: `field: description`, at most a few, each capped. */
  violations: string[];
}

const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';
const BAD_REQUEST = 'type.googleapis.com/google.rpc.BadRequest';
const MAX_VIOLATIONS = 3;
const cap = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}...` : s);

/**
 * A protobuf Duration in its JSON form (`"3s"`, `"1.5s"`, `"0.250s"`) or, tolerated, the object form
 * `{seconds, nanos}`. Returns ms, or undefined when unreadable or negative.
 */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'string') {
    const m = /^\s*(\d+(?:\.\d{1,9})?)s\s*$/.exec(v);
    return m ? Math.round(Number(m[1]) * 1000) : undefined;
  }
  if (v && typeof v === 'object') {
    const { seconds, nanos } = v as { seconds?: unknown; nanos?: unknown };
    const s = typeof seconds === 'string' || typeof seconds === 'number' ? Number(seconds) : 0;
    const n = typeof nanos === 'number' ? nanos : 0;
    const ms = s * 1000 + n / 1e6;
    return Number.isFinite(ms) && ms >= 0 && (seconds !== undefined || nanos !== undefined) ? Math.round(ms) : undefined;
  }
  return undefined;
}

/** Reads an error body; anything that is not the envelope gives `{ violations: [] }`. Never throws. */
export function parseGoogleError(text: string): GoogleError {
  let e: { message?: unknown; status?: unknown; details?: unknown } | undefined;
  try {
    e = (JSON.parse(text) as { error?: typeof e })?.error;
  } catch {
    return { violations: [] };
  }
  if (!e || typeof e !== 'object') return { violations: [] };
  const out: GoogleError = {
    message: typeof e.message === 'string' ? e.message : undefined,
    status: typeof e.status === 'string' ? e.status : undefined,
    violations: [],
  };
  for (const d of Array.isArray(e.details) ? e.details : []) {
    if (!d || typeof d !== 'object') continue;
    const detail = d as Record<string, unknown>;
    if (detail['@type'] === RETRY_INFO) {
      const ms = parseDuration(detail.retryDelay);
      if (ms !== undefined) out.retryDelayMs = Math.max(out.retryDelayMs ?? 0, ms);
    } else if (detail['@type'] === BAD_REQUEST && Array.isArray(detail.fieldViolations)) {
      for (const v of detail.fieldViolations as unknown[]) {
        if (out.violations.length >= MAX_VIOLATIONS || !v || typeof v !== 'object') continue;
        const { field, description } = v as { field?: unknown; description?: unknown };
        if (typeof field !== 'string') continue;
        out.violations.push(typeof description === 'string' && description ? `${cap(field, 80)}: ${cap(description, 160)}` : cap(field, 80));
      }
    }
  }
  return out;
}
