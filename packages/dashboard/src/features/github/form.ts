/** zod issues (or the server's 400 `issues`) -> one message per dotted field path ("ciFix.maxPerPr"). */
export function issuesToFields(issues: readonly { path: readonly PropertyKey[] | string; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) {
    const key = (typeof i.path === 'string' ? i.path : i.path.map(String).join('.')).replace(/^(body|query|param|header)\./, '');
    out[key || 'form'] ??= i.message;
  }
  return out;
}
