import { startDemoGitHub } from '../github/demo';
import path from 'node:path';
import { createJulesSimulator, DEFAULT_SOURCES, loadSnapshot, persistSimulator, type JulesSimulator, type Persister, type SimSnapshot } from '@autopilot/jules-sim';
import type { Logger } from '../../platform/logger';
import { JULES_BASE_URL } from './client';

/** Where the configured (not API-added) Jules account points: the real API with JULES_API_KEY, or the simulator. */
export interface JulesRuntime {
  origin: 'env' | 'simulator';
  name: string;
  apiKey: string;
  baseUrl: string;
  simulated: boolean;
  /** The in-process simulator in demo mode. */
  simulator?: JulesSimulator;
  /**
   * Demo mode continued the simulator's world from DATA_DIR (the sessions of the last run are still there), so the
   * mirror keeps the sessions it holds of it. false for a new world, and for a real Jules API (nothing to restore).
   */
  restored: boolean;
  /** Demo mode's GitHub simulator (integrations/github/demo.ts), when GITHUB_API_URL is not set. */
  githubDemo?: { baseUrl: string; token: string };
  close(): Promise<void>;
}

export interface JulesRuntimeOptions {
  apiKey?: string;
  baseUrl?: string;
  demo: {
    sessions: number;
    speed: number;
    spreadHours: number;
    seed?: number | string;
    /** A new simulated session arrives this often (0 = never), so the demo keeps moving; at most 200 are added. */
    newSessionEveryMs?: number;
  };
  log: Logger;
  /**
   * DATA_DIR: in demo mode the simulator's world is kept in `<dataDir>/jules-simulator.json` and restored from it
   * on the next start. Without it the world lives only as long as the process.
   */
  dataDir?: string;
  /** Demo mode: also run the GitHub simulator in this process and open the sessions' PRs there (GITHUB_API_URL unset). */
  githubDemo?: boolean;
}

/** The file the demo simulator's world is kept in. */
export const simulatorStateFile = (dataDir: string) => path.join(dataDir, 'jules-simulator.json');

/**
 * Demo mode without JULES_API_KEY: the bundled simulator runs in this process on an ephemeral 127.0.0.1 port,
 * with a mix of sessions that visibly move within a minute, and the log says plainly that sessions are simulated.
 */
export async function startJulesRuntime(o: JulesRuntimeOptions): Promise<JulesRuntime> {
  if (o.apiKey) {
    return { origin: 'env', name: 'JULES_API_KEY', apiKey: o.apiKey, baseUrl: (o.baseUrl ?? JULES_BASE_URL).replace(/\/+$/, ''), simulated: false, restored: false, close: async () => {} };
  }
  const apiKey = 'demo-simulator-key';
  const file = o.dataDir ? simulatorStateFile(o.dataDir) : undefined;
  const snapshot = file ? loadDemoWorld(file, o.log) : undefined;
  const gh = o.githubDemo ? await startDemoGitHub({ repos: DEFAULT_SOURCES.filter((x) => typeof x !== 'string'), speed: o.demo.speed, dataDir: o.dataDir, log: o.log }) : undefined;
  const options = {
    apiKeys: [apiKey], sessions: o.demo.sessions, speed: o.demo.speed, spreadHours: o.demo.spreadHours, seed: o.demo.seed ?? Date.now(),
    ...(gh ? { github: { baseUrl: gh.baseUrl, token: gh.token } } : {}),
  };
  let simulator: JulesSimulator;
  try {
    simulator = createJulesSimulator({ ...options, restore: snapshot });
  } catch (err) {
    // Shaped like a snapshot but not restorable: start afresh rather than not at all.
    o.log.warn({ file, reason: (err as Error).message }, 'the demo world could not be restored; starting a new one');
    simulator = createJulesSimulator(options);
  }
  const persister: Persister | undefined = file
    ? persistSimulator(simulator, { file, onError: (err) => o.log.warn({ file, err: (err as Error).message }, 'could not save the demo world') })
    : undefined;
  const served = await simulator.listen(0, '127.0.0.1');
  const traffic = demoTraffic(simulator, o.demo.newSessionEveryMs ?? 0, o.demo.sessions + 200);
  o.log.warn(
    { simulator: served.baseUrl, sessions: simulator.sessions().length, speed: o.demo.speed, restored: simulator.restored, ...(file ? { stateFile: file } : {}) },
    simulator.restored
      ? 'Jules sessions are SIMULATED: JULES_API_KEY is not set; the built-in Jules simulator continues the demo world saved in DATA_DIR'
      : 'Jules sessions are SIMULATED: JULES_API_KEY is not set, so the built-in Jules simulator is serving demo sessions',
  );
  return { origin: 'simulator', name: 'Simulator (demo)', apiKey, baseUrl: served.baseUrl, simulated: true, restored: simulator.restored, simulator,
    ...(gh ? { githubDemo: { baseUrl: gh.baseUrl, token: gh.token } } : {}),
    close: async () => {
      clearInterval(traffic);
      await persister?.close();
      await served.close();
      await gh?.close();
    } };
}

/** The saved demo world, if there is a readable one; an unreadable file is moved aside with a warning. */
function loadDemoWorld(file: string, log: Logger): SimSnapshot | undefined {
  try {
    const r = loadSnapshot(file);
    if (r.status === 'loaded') return r.snapshot;
    if (r.status === 'corrupt') log.warn({ file, movedTo: r.movedTo, reason: r.reason }, 'the saved demo world could not be read; moved it aside and starting a new one');
  } catch (err) {
    log.warn({ file, err: (err as Error).message }, 'the saved demo world could not be read; starting a new one');
  }
  return undefined;
}

const DEMO_PROMPTS = [
  'Add input validation to the signup form', 'Fix the flaky checkout integration test', 'Upgrade the logging library and fix deprecations',
  'Write a migration guide for the v3 API', 'Speed up the nightly report query', 'Add dark mode to the settings page',
  'Remove the unused feature flags', 'Document the retry policy of the payment client',
];

/**
 * New sessions now and then, on the configured repos, some of them asking for plan approval, until the world holds
 * `cap` sessions (counted in the world, so a restored world does not get another 200).
 */
function demoTraffic(sim: JulesSimulator, everyMs: number, cap: number): NodeJS.Timeout | undefined {
  if (!everyMs) return undefined;
  let n = sim.sessions().length;
  const t = setInterval(() => {
    if (++n > cap) return clearInterval(t);
    const spec = DEFAULT_SOURCES[n % DEFAULT_SOURCES.length];
    const repo = typeof spec === 'string' ? { owner: spec.split('/')[0], repo: spec.split('/')[1], defaultBranch: 'main' } : spec;
    sim.createSession({
      prompt: DEMO_PROMPTS[n % DEMO_PROMPTS.length],
      source: `sources/github/${repo.owner}/${repo.repo}`,
      startingBranch: repo.defaultBranch ?? 'main',
      requirePlanApproval: n % 3 === 0,
      automationMode: 'AUTO_CREATE_PR',
    });
  }, everyMs);
  t.unref();
  return t;
}
