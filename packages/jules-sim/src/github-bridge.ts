import type { SessionRecord } from './store.ts';
import type { AgentHost } from './host.ts';
import type { WireSource } from './types.ts';
import { commitMessage, fileDiff, fileFor } from './content/diff.ts';
import { prDescription } from './content/messages.ts';

/**
 * Opens the PRs of AUTO_CREATE_PR sessions on a GitHub simulator (packages/github-sim) through its HTTP control
 * API, so a session's `outputs.pullRequest.url` is a PR that really exists there. The agent waits at the point
 * where it would publish its PR (see `waitForPr`); its timeline is unchanged (the wake-up event keeps the step's
 * sim time), only the moment it becomes visible waits for the HTTP round trip.
 */

export interface GithubBridgeOptions {
  /** The GitHub simulator's base URL, e.g. `http://127.0.0.1:41234` (the control API is under `/_sim`). */
  baseUrl: string;
  /** Sent as `Authorization: token …`: the REST lookup of an existing PR needs one the GitHub simulator accepts. */
  token?: string;
  /** Per request, real milliseconds. Default 5000. */
  timeoutMs?: number;
}

export interface OpenedPr { number: number; htmlUrl: string; headRef: string }

/** What the simulator's log gets for each PR the bridge opened or could not open. */
export interface BridgeEvent { sessionId: string; status: number; reason?: string; message: string }

/** The author GitHub shows on the PRs Jules opens. */
const JULES_BOT = 'google-labs-jules[bot]';

/** The head branch of a session's PR: its working branch, named as the engine names it at plan approval. */
export const branchOf = (s: SessionRecord): string => s.workingBranch ?? `jules/${s.topic.slug}-${s.id.slice(-6)}`;

/** The added lines of the i-th file's diff: what the PR's commit writes to that path. */
function fileContent(s: SessionRecord, i: number): string {
  const lines = fileDiff(s.topic, s.seed, i).split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
  return `${lines.map((l) => l.slice(1)).join('\n')}\n`;
}

class BridgeError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export class GithubBridge {
  private readonly results = new Map<string, OpenedPr | 'failed'>();
  /** The latest wake-up of each session whose PR is being opened. */
  private readonly waiting = new Map<string, () => void>();
  /** One request chain, so PR numbers follow the order sessions publish in (deterministic with the seed). */
  private chain: Promise<void> = Promise.resolve();
  /** Bumped by clear(): answers to requests made before a reset are dropped. */
  private epoch = 0;
  private readonly base: string;

  constructor(
    private readonly opts: GithubBridgeOptions,
    private readonly sources: () => readonly WireSource[],
    private readonly log: (e: BridgeEvent) => void,
  ) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
  }

  /**
   * True while the session's PR is still to be opened: the caller stops and `wake` is called once it is known
   * (opened or failed). False once settled, so the caller publishes.
   */
  pending(s: SessionRecord, wake: () => void): boolean {
    if (this.results.has(s.id)) return false;
    const starting = !this.waiting.has(s.id);
    this.waiting.set(s.id, wake);
    if (starting) {
      const epoch = this.epoch;
      const job = { id: s.id, source: s.source!, branch: branchOf(s), body: this.pullBody(s), startingBranch: s.startingBranch };
      this.chain = this.chain.then(async () => {
        const result = await this.open(job).catch((e: unknown) => {
          const status = e instanceof BridgeError ? e.status : 0;
          this.log({ sessionId: job.id, status, reason: 'github-unreachable', message: `could not open the PR on ${this.base}: ${(e as Error).message}; the session keeps a simulated URL` });
          return 'failed' as const;
        });
        if (epoch !== this.epoch) return;
        if (result !== 'failed') this.log({ sessionId: job.id, status: 201, message: `opened ${result.htmlUrl} from ${result.headRef}` });
        this.results.set(job.id, result);
        const w = this.waiting.get(job.id);
        this.waiting.delete(job.id);
        w?.();
      });
    }
    return true;
  }

  /** Puts the opened PR's number, URL and head on the record (after the engine set its outputs). */
  apply(s: SessionRecord): void {
    const r = this.results.get(s.id);
    if (!r || r === 'failed' || s.output !== 'pr') return;
    s.prNumber = r.number;
    s.prUrl = r.htmlUrl;
    s.workingBranch = r.headRef;
  }

  /** Resolves once every PR asked for so far has been opened or given up on. */
  async idle(): Promise<void> {
    for (let c = this.chain; ; c = this.chain) {
      await c;
      if (c === this.chain) return;
    }
  }

  /** Forgets every result (simulator reset: the same seed publishes the same sessions again). */
  clear(): void {
    this.epoch++;
    this.results.clear();
    this.waiting.clear();
  }

  private pullBody(s: SessionRecord): Record<string, unknown> {
    const files: Record<string, string> = {};
    // "A file or two": the first files of the session's change set, with the lines its patch adds.
    for (let i = 0, n = Math.min(2, Math.max(1, s.agent.files)); i < n; i++) files[fileFor(s.topic, s.seed, i).path] = fileContent(s, i);
    return {
      branch: branchOf(s), title: s.title, body: prDescription(s.topic, s.agent.planSteps.map((p) => p.title)),
      files, message: commitMessage(s.topic), user: JULES_BOT, ...(s.startingBranch ? { base: s.startingBranch } : {}),
    };
  }

  private async open(job: { source: string; branch: string; body: Record<string, unknown>; startingBranch?: string }): Promise<OpenedPr> {
    const [, , owner, repo] = job.source.split('/');
    const path = `/_sim/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
    let res = await this.call('POST', `${path}/pulls`, job.body);
    if (res.status === 404) {
      // The repository is not on the GitHub simulator yet: create it with the source's default branch.
      const src = this.sources().find((x) => x.name === job.source);
      const defaultBranch = src?.githubRepo?.defaultBranch?.displayName ?? job.startingBranch ?? 'main';
      const created = await this.call('POST', '/_sim/repos', { owner, name: repo, default_branch: defaultBranch, private: src?.githubRepo?.isPrivate ?? false });
      if (!created.ok && created.status !== 422) throw new BridgeError(created.status, `creating ${owner}/${repo} answered ${created.status} ${await created.text()}`);
      res = await this.call('POST', `${path}/pulls`, job.body);
    }
    if (res.status === 422) {
      const text = await res.text();
      // The branch is there already (a restarted Jules simulator publishing the same session again): adopt its PR.
      if (/already/i.test(text)) {
        const found = await this.call('GET', `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/pulls?state=all&head=${encodeURIComponent(`${owner}:${job.branch}`)}`);
        const list = found.ok ? (await found.json()) as unknown[] : [];
        if (list.length) return this.toPr(list[0]);
      }
      throw new BridgeError(422, `opening the PR answered 422 ${text}`);
    }
    if (!res.ok) throw new BridgeError(res.status, `opening the PR answered ${res.status} ${await res.text()}`);
    return this.toPr(await res.json());
  }

  private toPr(raw: unknown): OpenedPr {
    const p = raw as { number?: unknown; html_url?: unknown; head?: { ref?: unknown } };
    if (typeof p.number !== 'number' || typeof p.html_url !== 'string' || typeof p.head?.ref !== 'string') {
      throw new BridgeError(0, 'the answer is not a pull request');
    }
    return { number: p.number, htmlUrl: p.html_url, headRef: p.head.ref };
  }

  private call(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    // A GitHub simulator started without --token accepts any token, but the REST API always wants one.
    headers.authorization = `token ${this.opts.token ?? 'jules-sim'}`;
    return fetch(`${this.base}${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000),
    });
  }
}

// The engine (the agent's host) does not know about GitHub: simulator.ts attaches a bridge to each world's engine.
const bridges = new WeakMap<AgentHost, GithubBridge>();

export function attachGithubBridge(host: AgentHost, bridge: GithubBridge): void {
  bridges.set(host, bridge);
}

/**
 * Called where the agent would publish its PR output: true when it must wait for the GitHub simulator (the
 * bridge wakes it at the same sim time `at`, unless something else moved the agent on meanwhile).
 */
export function waitForPr(host: AgentHost, s: SessionRecord, at: number): boolean {
  const bridge = bridges.get(host);
  if (!bridge || !s.source || s.automationMode !== 'AUTO_CREATE_PR' || s.output === 'pr') return false;
  const gen = s.agent.gen;
  return bridge.pending(s, () => {
    if (!s.deleted && s.agent.gen === gen) host.scheduleAt(s, at);
  });
}

/** After `host.setOutputs(s)`: the PR the bridge opened replaces the simulated number and URL. */
export function applyOpenedPr(host: AgentHost, s: SessionRecord): void {
  bridges.get(host)?.apply(s);
}

/**
 * After a restore: a session that was waiting for its PR when the snapshot was taken has no scheduled step (the
 * wake-up lived in memory). Wake it now, so it asks again (or publishes the simulated URL without a bridge).
 */
/** What resumePrWaits needs of the engine (structural, so this module does not import engine.ts: no cycle). */
interface ResumableEngine {
  store: { byId: Map<string, SessionRecord> };
  scheduleAt(s: SessionRecord, atUs: number): void;
  nowUs(): number;
}

export function resumePrWaits(engine: ResumableEngine, snap: { events: ReadonlyArray<{ sessionId: string }> }): void {
  const scheduled = new Set(snap.events.map((e) => e.sessionId));
  for (const s of engine.store.byId.values()) {
    const a = s.agent;
    const atEnd = a.progress >= a.planSteps.length + a.followUps.length;
    if (!s.deleted && a.phase === 'work' && atEnd && !a.pendingAck && s.output !== 'pr' && s.automationMode === 'AUTO_CREATE_PR' && s.source && !scheduled.has(s.id)) {
      engine.scheduleAt(s, engine.nowUs());
    }
  }
}
