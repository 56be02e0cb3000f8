import path from 'node:path';
import { createGitHubSimulator, loadGitHubSnapshot, persistGitHubSimulator, type GitHubSimSnapshot, type RepoSpec } from '@autopilot/github-sim';
import type { Logger } from '../../platform/logger';

/**
 * Demo mode's GitHub (no JULES_API_KEY and no GITHUB_API_URL): the GitHub simulator in this process on an
 * ephemeral 127.0.0.1 port, so the Jules simulator's AUTO_CREATE_PR sessions open real PRs there, CI runs on them,
 * and the GitHub loop (PR panel, CI page, CI fixing, merges) has something to show with zero setup. Its world is
 * kept in `<DATA_DIR>/github-simulator.json`, like the Jules demo world next to it, so the PRs the mirrored
 * sessions point at still exist after a restart.
 */
export interface DemoGitHub {
  baseUrl: string;
  /** The one token the simulator accepts (the default workspace is connected with it). */
  token: string;
  restored: boolean;
  close(): Promise<void>;
}

export const DEMO_GITHUB_TOKEN = 'ghp_demo_simulator_token_Dm0x';
export const githubStateFile = (dataDir: string) => path.join(dataDir, 'github-simulator.json');

/**
 * CI per demo repository: most pass, one fails with an annotation and a log tail (so CI fixing has a real
 * diagnosis to send), one is slow. Deterministic: the same repositories always behave the same.
 */
function repoSpec(r: { owner: string; repo: string; defaultBranch?: string }, i: number): RepoSpec {
  const failing = i % 3 === 1;
  return {
    owner: r.owner, name: r.repo, defaultBranch: r.defaultBranch ?? 'main', allowAutoMerge: true,
    ci: failing
      ? {
          conclusion: 'failure', delaySeconds: 90, checks: ['build', 'test'], failing: ['test'],
          annotations: [{ path: 'src/cart.test.ts', start_line: 42, end_line: 42, annotation_level: 'failure', message: 'expected total 30 to be 27 (discount applied twice)' }],
          logTail: 'FAIL src/cart.test.ts > applies the discount once\nAssertionError: expected 30 to be 27',
        }
      : { conclusion: 'success', delaySeconds: i % 3 === 2 ? 240 : 60, checks: ['build', 'test'], annotations: [] },
  };
}

export async function startDemoGitHub(o: { repos: readonly { owner: string; repo: string; defaultBranch?: string }[]; speed: number; dataDir?: string; log: Logger }): Promise<DemoGitHub> {
  const file = o.dataDir ? githubStateFile(o.dataDir) : undefined;
  let restore: GitHubSimSnapshot | undefined;
  if (file) {
    try {
      const r = loadGitHubSnapshot(file);
      if (r.status === 'loaded') restore = r.snapshot;
      if (r.status === 'corrupt') o.log.warn({ file, movedTo: r.movedTo, reason: r.reason }, 'the saved demo GitHub world could not be read; moved it aside and starting a new one');
    } catch (err) {
      o.log.warn({ file, err: (err as Error).message }, 'the saved demo GitHub world could not be read; starting a new one');
    }
  }
  const options = { tokens: { [DEMO_GITHUB_TOKEN]: 'demo-user' }, speed: o.speed, seed: 'demo', repos: o.repos.map(repoSpec) };
  let sim: ReturnType<typeof createGitHubSimulator>;
  try {
    sim = createGitHubSimulator({ ...options, ...(restore ? { restore } : {}) });
  } catch (err) {
    o.log.warn({ file, reason: (err as Error).message }, 'the demo GitHub world could not be restored; starting a new one');
    restore = undefined;
    sim = createGitHubSimulator(options);
  }
  const persister = file ? persistGitHubSimulator(sim, { file, onError: (err) => o.log.warn({ file, err: (err as Error).message }, 'could not save the demo GitHub world') }) : undefined;
  const served = await sim.listen(0, '127.0.0.1');
  o.log.warn({ simulator: served.baseUrl, restored: !!restore, ...(file ? { stateFile: file } : {}) }, 'GitHub is SIMULATED in demo mode: GITHUB_API_URL is not set, so the built-in GitHub simulator holds the demo sessions\' pull requests');
  return {
    baseUrl: served.baseUrl,
    token: DEMO_GITHUB_TOKEN,
    restored: !!restore,
    close: async () => {
      await persister?.close();
      await served.close();
    },
  };
}
