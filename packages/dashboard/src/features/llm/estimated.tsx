import type { UsageReport, UsageRow } from '@autopilot/contracts';

const price = (v: number) => `$${v % 1 === 0 ? v.toFixed(0) : v.toFixed(2)}`;

/** Why a cost is an estimate, in words: how many calls, at what fallback price, and how to correct it. */
export function estimateNote(report: Pick<UsageReport, 'fallbackPrice'>, row: Pick<UsageRow, 'estimatedCalls' | 'estimatedUsd' | 'model'>): string {
  const p = report.fallbackPrice;
  const one = row.estimatedCalls === 1;
  const calls = one ? '1 call' : `${row.estimatedCalls} calls`;
  const to = row.model ? `to ${row.model} ` : 'to models ';
  return (
    `${calls} ${to}without a known price ${one ? 'was' : 'were'} costed at the fallback price of ${price(p.inputPerMTok)} input / ` +
    `${price(p.outputPerMTok)} output per million tokens ($${row.estimatedUsd.toFixed(4)}), deliberately high so budgets err on the safe side. ` +
    'Set the model’s real price on Providers to cost later calls exactly.'
  );
}

/** The "estimated" tag next to a cost computed (partly) at the fallback price; the explanation is its tooltip and accessible name. */
export function EstimatedTag({ report, row }: { report: Pick<UsageReport, 'fallbackPrice'>; row: Pick<UsageRow, 'estimatedCalls' | 'estimatedUsd' | 'model'> }) {
  const why = `Estimated: ${estimateNote(report, row)}`;
  return (
    <span className="pill pill-degraded costs-estimated" title={why} aria-label={why} tabIndex={0} data-testid="estimated-tag">
      estimated
    </span>
  );
}
