import type { SimEngine } from './engine.ts';
import type { WireSource, Behaviour } from './types.ts';
import type { Scenario } from './scenario.ts';
import { createRng, mixSeed } from './rng.ts';
import { msToMicros, parseRfc3339Micros } from './time.ts';
import { SAMPLE_PROMPTS } from './content/prompts.ts';
import { invalidArgument } from './errors.ts';

/**
 * Pre-creates `count` sessions with create times spread over the past `spreadHours`, weighted towards the
 * recent past so a list shows a few sessions still running on top of many finished ones. Their agents are then
 * caught up to "now" by the engine's normal event processing.
 */
export function precreate(engine: SimEngine, sources: WireSource[], count: number, spreadHours: number): void {
  if (count <= 0) return;
  const rng = createRng(mixSeed(engine.opts.seed, 0x9ec4, count));
  const nowUs = engine.nowUs();
  const spreadUs = spreadHours * 3600e6;
  const ages = Array.from({ length: count }, () => Math.floor(spreadUs * rng.next() ** 2)).sort((a, b) => b - a);
  for (const age of ages) {
    const src = sources.length && rng.chance(0.9) ? rng.pick(sources) : undefined;
    const prompt = rng.pick(SAMPLE_PROMPTS);
    const behaviour = engine.behaviourFor(prompt);
    engine.create({
      prompt,
      source: src?.name,
      startingBranch: src?.githubRepo?.defaultBranch?.displayName,
      automationMode: src && rng.chance(0.75) ? 'AUTO_CREATE_PR' : undefined,
      requirePlanApproval: behaviour === 'approval' ? true : undefined,
    }, { behaviour, createUs: nowUs - age });
  }
}

/** Loads a scenario's sessions (sorted by create time so ids and events replay identically). */
export function loadScenario(engine: SimEngine, sources: WireSource[], scenario: Scenario, startMs: number): void {
  const nowUs = engine.nowUs();
  const items = (scenario.sessions ?? []).map((s) => {
    const at = s.createTime !== undefined ? parseRfc3339Micros(s.createTime)
      : s.createdSecondsAgo !== undefined ? msToMicros(startMs) - s.createdSecondsAgo * 1e6 : nowUs;
    if (at === undefined) throw invalidArgument(`scenario session has an invalid createTime: ${s.createTime}`);
    return { s, at: Math.round(at) };
  }).sort((a, b) => a.at - b.at);
  for (const { s, at } of items) {
    const srcName = s.source ? `sources/github/${s.source}` : undefined;
    const src = srcName ? sources.find((x) => x.name === srcName) : undefined;
    if (srcName && !src) throw invalidArgument(`scenario session uses an unknown source: ${s.source}`);
    engine.create({
      prompt: s.prompt,
      title: s.title,
      source: srcName,
      startingBranch: src ? s.branch ?? src.githubRepo?.defaultBranch?.displayName ?? 'main' : undefined,
      automationMode: s.automationMode ?? (src ? 'AUTO_CREATE_PR' : undefined),
      requirePlanApproval: s.requirePlanApproval,
    }, { behaviour: s.behaviour as Behaviour | undefined, createUs: at, id: s.id, archived: s.archived, script: s.timeline });
  }
}
