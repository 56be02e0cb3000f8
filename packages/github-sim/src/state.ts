import { DEFAULT_CI, advanceRun, applyOutcome, startCi, suiteState } from './ci.ts';
import type { SimClock } from './clock.ts';
import { GhError, invalidField, notFound } from './errors.ts';
import type { Ids } from './ids.ts';
import type { CheckRun, CiOutcome, IssueRec, MergeMethod, Protection, Repo, Review, Suite } from './types.ts';
import * as wire from './wire.ts';

export interface RepoSpec {
  owner: string; name: string; defaultBranch?: string; private?: boolean; files?: Record<string, string>;
  allowAutoMerge?: boolean; mergeMethods?: Partial<Record<MergeMethod, boolean>>; protection?: Protection | null;
  ci?: Partial<CiOutcome>; hooks?: { url: string; secret: string; events?: string[] }[];
}

/** Files changed by a push: content, or null to delete the file. */
export type FileChanges = Record<string, string | null>;

export type EventSink = (repo: Repo, event: string, payload: Record<string, unknown>) => void;

/** The whole GitHub world: repositories, PRs, CI; mutations emit webhook events through `sink`. */
export class GitHubState implements wire.WireCtx {
  repos = new Map<string, Repo>();
  runs = new Map<number, CheckRun>();
  suites = new Map<number, Suite>();
  origin = 'http://127.0.0.1';
  /** Not private: snapshot.ts saves and restores them. */
  users = new Map<string, number>();
  runNumbers = 0;

  constructor(readonly ids: Ids, readonly clock: SimClock, readonly sink: EventSink, readonly defaultUser: string) {}

  userId(login: string): number {
    let id = this.users.get(login);
    if (id === undefined) this.users.set(login, (id = 5000 + this.users.size));
    return id;
  }

  pullRefs(full: string, sha: string): wire.PullRef[] {
    const r = this.repos.get(full.toLowerCase());
    return [...(r?.issues.values() ?? [])].filter((i) => i.pull && i.state === 'open' && i.pull.headSha === sha).map((i) => ({
      id: i.id, number: i.number, url: `${this.origin}/repos/${full}/pulls/${i.number}`,
      head: { ref: i.pull!.headRef, sha: i.pull!.headSha }, base: { ref: i.pull!.baseRef, sha: i.pull!.baseSha },
    }));
  }

  repo(owner: string, name: string): Repo {
    const r = this.repos.get(`${owner}/${name}`.toLowerCase());
    if (!r) throw notFound();
    return r;
  }

  issue(r: Repo, n: number | string): IssueRec {
    const i = r.issues.get(Number(n));
    if (!i) throw notFound();
    return i;
  }

  pull(r: Repo, n: number | string): IssueRec {
    const i = this.issue(r, n);
    if (!i.pull) throw notFound();
    return i;
  }

  /** A branch name or a full SHA to a commit SHA. */
  resolve(r: Repo, ref: string): string {
    const name = ref.replace(/^refs\/heads\//, '');
    const sha = r.branches.get(name) ?? (r.commits.has(ref) ? ref : [...r.commits.keys()].find((s) => ref.length >= 7 && s.startsWith(ref)));
    if (!sha) throw new GhError(422, `No commit found for SHA: ${ref}`);
    return sha;
  }

  createRepo(spec: RepoSpec): Repo {
    const key = `${spec.owner}/${spec.name}`.toLowerCase();
    if (this.repos.has(key)) throw invalidField('Repository', 'name', 'custom', 'name already exists on this account');
    const now = this.clock.now();
    const branch = spec.defaultBranch ?? 'main';
    const sha = this.ids.sha();
    const files = new Map(Object.entries(spec.files ?? { 'README.md': `# ${spec.name}\n` }));
    const r: Repo = {
      id: this.ids.id(), owner: spec.owner, name: spec.name, defaultBranch: branch, private: spec.private ?? false,
      branches: new Map([[branch, sha]]), commits: new Map([[sha, { sha, message: 'Initial commit', files, at: now }]]),
      allowAutoMerge: spec.allowAutoMerge ?? false, mergeMethods: { merge: true, squash: true, rebase: true, ...spec.mergeMethods },
      protection: spec.protection ?? null, ci: { ...DEFAULT_CI, ...spec.ci }, issues: new Map(), nextNumber: 1, at: now,
      hooks: (spec.hooks ?? []).map((h) => ({ id: this.ids.id(), url: h.url, secret: h.secret, events: h.events ?? ['*'] })),
    };
    this.repos.set(key, r);
    return r;
  }

  /** Commits `files` on `branch` (created from the default branch when new); starts CI; emits push. */
  push(r: Repo, branch: string, files: FileChanges, message: string, user = this.defaultUser): string {
    const before = r.branches.get(branch);
    const parent = before ?? r.branches.get(r.defaultBranch)!;
    const tree = new Map(r.commits.get(parent)!.files);
    for (const [path, content] of Object.entries(files)) {
      if (content === null) tree.delete(path);
      else tree.set(path, content);
    }
    const now = this.clock.now();
    const sha = this.ids.sha();
    r.commits.set(sha, { sha, parent, message, files: tree, at: now });
    r.branches.set(branch, sha);
    this.emit(r, 'push', {
      ref: `refs/heads/${branch}`, before: before ?? '0'.repeat(40), after: sha, created: !before, deleted: false, forced: false,
      commits: [{ id: sha, message, timestamp: new Date(now).toISOString(), author: { name: user, username: user }, added: Object.keys(files).filter((f) => files[f] !== null), removed: Object.keys(files).filter((f) => files[f] === null), modified: [] }],
      head_commit: { id: sha, message }, pusher: { name: user }, sender: wire.wireUser(this, user),
    });
    this.startCi(r, sha, branch, 'push');
    return sha;
  }

  private ciFor(r: Repo, branch: string): CiOutcome {
    const pr = [...r.issues.values()].find((i) => i.pull && i.state === 'open' && i.pull.headRef === branch);
    return pr?.pull?.ci ?? r.ci;
  }

  private startCi(r: Repo, sha: string, branch: string, event: string): void {
    const { suite, runs } = startCi(this.ids, r, sha, branch, this.ciFor(r, branch), this.clock.now(), ++this.runNumbers, event);
    this.suites.set(suite.id, suite);
    for (const run of runs) this.runs.set(run.id, run);
  }

  openPull(r: Repo, o: { head: string; base?: string; title: string; body?: string; draft?: boolean; user?: string }): IssueRec {
    const headSha = r.branches.get(o.head);
    if (!headSha) throw invalidField('PullRequest', 'head', 'invalid');
    const base = o.base ?? r.defaultBranch;
    const baseSha = r.branches.get(base);
    if (!baseSha) throw invalidField('PullRequest', 'base', 'invalid');
    if (base === o.head) throw invalidField('PullRequest', 'base', 'custom', 'head and base must be different');
    if ([...r.issues.values()].some((i) => i.pull && i.state === 'open' && i.pull.headRef === o.head && i.pull.baseRef === base)) {
      throw invalidField('PullRequest', 'head', 'custom', `A pull request already exists for ${r.owner}:${o.head}.`);
    }
    const now = this.clock.now();
    const i: IssueRec = {
      id: this.ids.id(), number: r.nextNumber++, title: o.title, body: o.body ?? '', user: o.user ?? this.defaultUser, state: 'open',
      labels: [], comments: [], at: now, updatedAt: now,
      pull: { headRef: o.head, headSha, baseRef: base, baseSha, merged: false, mergeable: true, draft: o.draft ?? false, autoMerge: null, reviews: [], reviewComments: [] },
    };
    r.issues.set(i.number, i);
    this.emitPull(r, i, 'opened');
    return i;
  }

  /** A push to the PR's head branch: new SHA, new CI, `synchronize`. */
  pushToPull(r: Repo, i: IssueRec, files: FileChanges, message: string): string {
    if (i.state !== 'open') throw new GhError(422, 'Pull request is closed');
    const before = i.pull!.headSha;
    const sha = this.push(r, i.pull!.headRef, files, message, i.user);
    i.pull!.headSha = sha;
    i.updatedAt = this.clock.now();
    this.emitPull(r, i, 'synchronize', { before, after: sha });
    return sha;
  }

  /** Sets CI for the repo (or a PR); runs still under way on the affected heads follow the new outcome. */
  setCi(r: Repo, ci: Partial<CiOutcome>, pr?: IssueRec): CiOutcome {
    const next: CiOutcome = { ...(pr?.pull?.ci ?? r.ci), ...ci };
    if (pr) pr.pull!.ci = next;
    else r.ci = next;
    const now = this.clock.now();
    const shas = pr ? [pr.pull!.headSha] : [...r.issues.values()].filter((i) => i.pull && i.state === 'open' && !i.pull.ci).map((i) => i.pull!.headSha);
    for (const run of this.runs.values()) {
      if (run.repo === `${r.owner}/${r.name}` && run.status !== 'completed' && shas.includes(run.headSha)) applyOutcome(run, next, now);
    }
    this.sync();
    return next;
  }

  checkRuns(r: Repo, sha: string): CheckRun[] {
    return [...this.runs.values()].filter((c) => c.repo === `${r.owner}/${r.name}` && c.headSha === sha);
  }

  suitesOf(r: Repo): Suite[] {
    return [...this.suites.values()].filter((s) => s.repo === `${r.owner}/${r.name}`);
  }

  suiteRuns(s: Suite): CheckRun[] {
    return s.runs.map((id) => this.runs.get(id)!);
  }

  addReview(r: Repo, i: IssueRec, o: { user: string; state: Review['state']; body?: string; comments?: { path: string; line: number; body: string }[] }): Review {
    const p = i.pull!;
    const now = this.clock.now();
    const v: Review = { id: this.ids.id(), user: o.user, state: o.state, body: o.body ?? '', commitId: p.headSha, at: now };
    p.reviews.push(v);
    for (const c of o.comments ?? []) p.reviewComments.push({ id: this.ids.id(), reviewId: v.id, user: o.user, path: c.path, line: c.line, body: c.body, commitId: p.headSha, at: now });
    i.updatedAt = now;
    this.emit(r, 'pull_request_review', { action: 'submitted', review: wire.wireReview(this, r, i, v), pull_request: this.wirePull(r, i), sender: wire.wireUser(this, o.user) });
    return v;
  }

  addLabels(r: Repo, i: IssueRec, labels: string[], user = this.defaultUser): void {
    for (const l of labels) {
      if (i.labels.includes(l)) continue;
      i.labels.push(l);
      i.updatedAt = this.clock.now();
      if (i.pull) this.emitPull(r, i, 'labeled', { label: wire.wireLabel(this, r, l) }, user);
    }
  }

  removeLabel(r: Repo, i: IssueRec, label: string): void {
    if (!i.labels.includes(label)) throw new GhError(404, 'Label does not exist');
    i.labels = i.labels.filter((l) => l !== label);
    i.updatedAt = this.clock.now();
    if (i.pull) this.emitPull(r, i, 'unlabeled', { label: wire.wireLabel(this, r, label) });
  }

  comment(r: Repo, i: IssueRec, body: string, user = this.defaultUser) {
    const now = this.clock.now();
    const c = { id: this.ids.id(), user, body, at: now, updatedAt: now };
    i.comments.push(c);
    i.updatedAt = now;
    const out = wire.wireIssueComment(this, r, i, c);
    this.emit(r, 'issue_comment', { action: 'created', issue: wire.wireIssue(this, r, i), comment: out, sender: wire.wireUser(this, user) });
    return out;
  }

  setState(r: Repo, i: IssueRec, state: 'open' | 'closed'): void {
    if (i.state === state || i.pull?.merged) return;
    i.state = state;
    i.updatedAt = this.clock.now();
    i.closedAt = state === 'closed' ? i.updatedAt : undefined;
    if (i.pull) this.emitPull(r, i, state === 'closed' ? 'closed' : 'reopened');
  }

  /** GitHub's mergeable_state: dirty (conflict), draft, blocked (protection unmet), unstable (a check failing), clean. */
  mergeableState(r: Repo, i: IssueRec): string {
    const p = i.pull!;
    // GitHub stops computing mergeability once a PR is closed or merged.
    if (i.state !== 'open') return 'unknown';
    if (p.mergeable === null) return 'unknown';
    if (!p.mergeable) return 'dirty';
    if (p.draft) return 'draft';
    if (this.protectionProblem(r, i)) return 'blocked';
    const runs = this.checkRuns(r, p.headSha);
    if (runs.some((c) => c.conclusion === 'failure')) return 'unstable';
    return suiteState(runs).status === 'completed' ? 'clean' : 'unstable';
  }

  /** What branch protection still requires of the PR (GitHub's merge refusal message), or null. */
  protectionProblem(r: Repo, i: IssueRec): string | null {
    const prot = r.protection;
    if (!prot || i.pull!.baseRef !== r.defaultBranch) return null;
    const runs = this.checkRuns(r, i.pull!.headSha);
    for (const name of prot.requiredChecks) {
      const run = runs.filter((c) => c.name === name).at(-1);
      if (!run || run.status !== 'completed') return `Required status check "${name}" is expected.`;
      if (run.conclusion !== 'success') return `Required status check "${name}" is failing.`;
    }
    const latest = new Map<string, Review['state']>();
    for (const v of i.pull!.reviews) if (v.state !== 'COMMENTED') latest.set(v.user, v.state);
    if ([...latest.values()].includes('CHANGES_REQUESTED')) return 'Changes requested by a reviewer with write access.';
    const approvals = [...latest.values()].filter((s) => s === 'APPROVED').length;
    if (approvals < prot.requiredApprovals) return `At least ${prot.requiredApprovals} approving review${prot.requiredApprovals > 1 ? 's are' : ' is'} required by reviewers with write access.`;
    return null;
  }

  wirePull(r: Repo, i: IssueRec) {
    return wire.wirePull(this, r, i, this.mergeableState(r, i));
  }

  emitPull(r: Repo, i: IssueRec, action: string, extra: Record<string, unknown> = {}, user = i.user): void {
    this.emit(r, 'pull_request', { action, number: i.number, pull_request: this.wirePull(r, i), ...extra, sender: wire.wireUser(this, user) });
  }

  emit(r: Repo, event: string, payload: Record<string, unknown>): void {
    this.sink(r, event, { ...payload, repository: wire.wireRepo(this, r) });
  }

  /** Applies what the clock says has happened: CI progress (and its completion events). Returns completed runs. */
  sync(): CheckRun[] {
    const now = this.clock.now();
    const done: CheckRun[] = [];
    for (const run of this.runs.values()) if (advanceRun(run, now)) done.push(run);
    const suites = new Set<number>();
    for (const run of done) {
      const r = this.repos.get(run.repo.toLowerCase())!;
      this.emit(r, 'check_run', { action: 'completed', check_run: wire.wireCheckRun(this, run), sender: wire.wireUser(this, 'github-actions[bot]') });
      suites.add(run.suiteId);
    }
    for (const id of suites) {
      const s = this.suites.get(id)!;
      const runs = this.suiteRuns(s);
      if (suiteState(runs).status !== 'completed') continue;
      const r = this.repos.get(s.repo.toLowerCase())!;
      const sender = wire.wireUser(this, 'github-actions[bot]');
      this.emit(r, 'check_suite', { action: 'completed', check_suite: wire.wireSuite(this, s, runs), sender });
      this.emit(r, 'workflow_run', { action: 'completed', workflow_run: wire.wireWorkflowRun(this, s, runs), workflow: { id: 1, name: 'CI', path: '.github/workflows/ci.yml' }, sender });
    }
    return done;
  }
}
