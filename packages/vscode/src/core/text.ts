/**
 * Text from Jules or GitHub (titles, prompts, notification bodies) is untrusted data: shown as one plain line,
 * without control or bidirectional-override characters, cut to `max` characters.
 */
export function plainLine(text: string | null | undefined, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const s = (text ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+/g, ' ').replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
