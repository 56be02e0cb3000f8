import { Command } from 'commander';
import { connect, printJson, run, say, table, UsageError, withConnection, type ConnectionOptions } from './common';

// As contracts/llm.ts UsageGroupBy (kept here so `costs --help` loads no schemas; the server validates too).
const DIMENSIONS = ['day', 'provider', 'model', 'task', 'apiKey', 'outcome', 'errorCode'] as const;
type Dimension = (typeof DIMENSIONS)[number];

function groupBy(v: string): Dimension[] {
  const parts = v.split(',').map((p) => p.trim()).filter(Boolean);
  const bad = parts.find((p) => !(DIMENSIONS as readonly string[]).includes(p));
  if (bad || parts.length === 0) throw new UsageError(`--by takes ${DIMENSIONS.join(', ')} (comma-separated), not "${bad ?? v}"`);
  return parts as Dimension[];
}

/** `2026-12-01` or an ISO time as the ISO time the API takes. */
function when(name: string) {
  return (v: string) => {
    const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
    if (Number.isNaN(t)) throw new UsageError(`${name} takes a date (2026-12-01) or an ISO time, not "${v}"`);
    return new Date(t).toISOString();
  };
}

const usd = (n: number) => `$${n.toFixed(n !== 0 && Math.abs(n) < 0.01 ? 4 : 2)}`;

/** `autopilot costs`: LLM calls, tokens and cost (GET /api/llm/usage), grouped as asked. */
export function costsCommand(): Command {
  return withConnection(
    new Command('costs')
      .description('LLM calls, errors, tokens and cost of the workspace (default: by model, last 30 days)')
      .option('--by <dimensions>', `group by ${DIMENSIONS.join(', ')} (comma-separated)`, groupBy, ['model'] as Dimension[])
      .option('--from <date>', 'from this date or time (inclusive)', when('--from'))
      .option('--to <date>', 'up to this date or time (exclusive)', when('--to')),
  ).action(
    run(async (o: ConnectionOptions & { by: Dimension[]; from?: string; to?: string }) => {
      const { client } = await connect(o);
      const r = await client.llm.usage({ groupBy: o.by, from: o.from, to: o.to });
      if (o.json) return printJson(r);
      const label = (row: (typeof r.rows)[number]) =>
        o.by.map((d) => (d === 'apiKey' ? row.apiKeyId : row[d]) ?? '-');
      // A cost computed (partly) at the fallback price, for a model without a known price, is an estimate: say so.
      const cost = (row: (typeof r.rows)[number]) => (row.priceKnown ? usd(row.costUsd) : `${usd(row.costUsd)} (estimated ${usd(row.estimatedUsd)})`);
      const line = (row: (typeof r.rows)[number], name: unknown[]) => [...name, row.calls, row.errors, row.inputTokens, row.outputTokens, cost(row), `${Math.round(row.avgLatencyMs)} ms`];
      say(o, `LLM usage ${r.from.slice(0, 10)} to ${r.to.slice(0, 10)}`);
      const headers = [...o.by.map((d) => d.toUpperCase()), 'CALLS', 'ERRORS', 'IN TOKENS', 'OUT TOKENS', 'COST', 'AVG LATENCY'];
      say(o, table(headers, [...r.rows.map((row) => line(row, label(row))), ...(r.rows.length ? [line(r.totals, ['TOTAL', ...o.by.slice(1).map(() => '')])] : [])]));
    }),
  );
}
