import * as core from '@actions/core';
import type { SessionView } from './session';

/** Text from Jules or GitHub goes into the summary's HTML escaped: it is data, never markup. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const link = (url: string | undefined, label: string) => (url ? `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>` : '—');

export interface SummaryInput {
  mode: 'orchestrator' | 'jules';
  session?: SessionView;
  dispatchId?: string;
  repo?: string;
  branch?: string;
  wait: string;
  /** Why the step failed, when it did. */
  problem?: string;
}

/**
 * The job summary (GITHUB_STEP_SUMMARY): one table with the session's link, state and PR. Skipped quietly when
 * the runner gives no summary file (a local run), since the outputs carry the same facts.
 */
export async function writeSummary(x: SummaryInput): Promise<void> {
  // eslint-disable-next-line no-restricted-properties -- @actions/core writes to this file; only its presence is checked
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const s = x.session;
  const rows: string[][] = [
    ['Session', s ? link(s.sessionUrl ?? s.dashboardUrl, s.title ? s.title.slice(0, 120) : s.julesId) : x.dispatchId ? `queued in the dispatcher (${escapeHtml(x.dispatchId)})` : '—'],
    ['State', escapeHtml(s?.state ?? (x.dispatchId ? 'DISPATCH_QUEUED' : 'not created'))],
    ['Pull request', link(s?.prUrl, s?.prUrl ?? '')],
    ['Started through', x.mode === 'orchestrator' ? `the orchestrator${s?.dashboardUrl ? ` (${link(s.dashboardUrl, 'dashboard')})` : ''}` : 'the Jules API'],
    ['Repository', x.repo ? escapeHtml(`${x.repo}${x.branch ? ` @ ${x.branch}` : ''}`) : 'none'],
    ['Waited', escapeHtml(x.wait)],
  ];
  const summary = core.summary.addHeading(x.problem ? 'Jules session: failed' : 'Jules session', 2).addTable(rows.map(([k, v]) => [{ data: k, header: true }, v]));
  if (x.problem) summary.addRaw(`<p>${escapeHtml(x.problem)}</p>`, true);
  await summary.write();
}
