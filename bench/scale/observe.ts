import os from 'node:os';

/**
 * What the scale bench counts, read only from the outside: the simulator's request log and stats (what Jules saw),
 * the orchestrators' API and /metrics, and the shared `leases` table.
 */
export interface LogEntry { at: string; route: string; sessionId?: string; status: number }

export const ACTION_ROUTES = ['sessions.approvePlan', 'sessions.sendMessage'];

export async function simStats(simUrl: string): Promise<Record<string, number>> {
  const s = (await (await fetch(`${simUrl}/_sim/stats`)).json()) as { requests: { byRoute: Record<string, number> } };
  return s.requests.byRoute;
}

export async function simLog(simUrl: string, since: string): Promise<LogEntry[]> {
  return (await (await fetch(`${simUrl}/_sim/log?since=${encodeURIComponent(since)}`)).json()) as LogEntry[];
}

/**
 * Per session, when Jules first answered its activities (the last step of mirroring a new session: the mirror
 * lists it, writes it, then fetches its activities). Sorted times in ms since the epoch.
 */
export function firstActivityFetches(log: LogEntry[]): number[] {
  const first = new Map<string, number>();
  for (const e of log) {
    if (e.route !== 'activities.list' || e.status !== 200 || !e.sessionId) continue;
    const t = Date.parse(e.at);
    const had = first.get(e.sessionId);
    if (had === undefined || t < had) first.set(e.sessionId, t);
  }
  return [...first.values()].sort((a, b) => a - b);
}

/** Arrival times (ms) of the keeper's Jules actions (approve, message) in the log. */
export function actionTimes(log: LogEntry[]): number[] {
  return log.filter((e) => ACTION_ROUTES.includes(e.route)).map((e) => Date.parse(e.at)).sort((a, b) => a - b);
}

/** Sum of `autopilot_keeper_actions_total` with outcome "sent" on one instance's /metrics. */
export async function keeperSent(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('autopilot_keeper_actions_total{') && line.includes('outcome="sent"')) n += Number(line.split(' ').pop());
  }
  return n;
}

/**
 * How evenly the leases of the bench's workspaces sit on the instances: max and mean leases per instance
 * (instances holding none count as 0), and the counts per instance.
 */
export function spread(leases: Array<{ name: string; holder: string }>, names: Set<string>, instances: string[]): { maxOverMean: number; counts: Record<string, number>; held: number } {
  const counts: Record<string, number> = Object.fromEntries(instances.map((i) => [i, 0]));
  let held = 0;
  for (const l of leases) {
    if (!names.has(l.name)) continue;
    counts[l.holder] = (counts[l.holder] ?? 0) + 1;
    held++;
  }
  const mean = held / instances.length;
  return { maxOverMean: mean ? Math.max(...Object.values(counts)) / mean : NaN, counts, held };
}

/** Machine load as `uptime` reports it (1/5/15-minute load averages over the 2 cores), for the figures' notes. */
export function loadNote(): string {
  return `load average ${os.loadavg().map((l) => l.toFixed(2)).join(', ')} on ${os.cpus().length} cores`;
}
