import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveFinishedResult, CiRunPage, CiStats, GitHubWebhook, GitHubWebhookSaved, PullPage, RepoAutomation, RepoAutomationList } from '@autopilot/contracts';
import { ADMIN_KEY } from './harness';
import { cli, tmp } from './cli-support';
import { failCi, REPO, sessionWithPr, startWorld, until, type World } from './github-world';
import { automationBody, renderArchive, repoOf } from '../src/cli/github';

/*
 * `autopilot prs`, `ci runs|stats` and `github automation|webhook|sync|archive-finished` as child processes against
 * a real orchestrator with a session whose PR is open on the GitHub simulator: tables for people, the contract's JSON
 * with --json (parsed with the contract schemas), usage errors exit 2 before any request, API refusals exit 1 naming
 * the field, and archive-finished really archives the session on the Jules simulator.
 */

describe('the GitHub loop commands, pure parts', () => {
  it('takes repositories as owner/name, URLs or source names', () => {
    expect(repoOf('acme/shop')).toBe('acme/shop');
    expect(repoOf('https://github.com/acme/shop.git')).toBe('acme/shop');
    expect(repoOf('sources/github/acme/shop')).toBe('acme/shop');
    expect(() => repoOf('acme')).toThrow(/owner\/name/);
    expect(() => repoOf('a/b/c')).toThrow(/owner\/name/);
  });

  it('sends only the automation fields given', () => {
    expect(automationBody('acme/shop', {})).toBeNull();
    expect(automationBody('acme/shop', { ciFix: true, maxPerPr: 0 })).toEqual({ repo: 'acme/shop', ciFix: { enabled: true, maxPerPr: 0 } });
    expect(automationBody('acme/shop', { merge: false, method: 'rebase', autoArchive: true, optOutLabel: 'hands-off' })).toEqual({
      repo: 'acme/shop', merge: { enabled: false, method: 'rebase' }, archive: { auto: true }, optOutLabel: 'hands-off',
    });
  });

  it('draws the archive progress line', () => {
    expect(renderArchive(0, 0, 4)).toBe('[----------] 0/4 archived, 0 failed');
    expect(renderArchive(2, 1, 4)).toBe('[########--] 2/4 archived, 1 failed');
    expect(renderArchive(0, 0, 0)).toBe('[##########] 0/0 archived, 0 failed');
  });
});

describe('the GitHub loop commands over a real orchestrator', () => {
  let w: World;
  let home: string;
  let env: Record<string, string>;
  const run = (args: string[]) => cli(args, { env });
  const json = async <T>(args: string[], schema: { parse(v: unknown): T }): Promise<T> => {
    const r = await run([...args, '--json']);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return schema.parse(JSON.parse(r.stdout));
  };

  beforeAll(async () => {
    w = await startWorld();
    home = tmp('autopilot-cli-github-');
    env = { HOME: home, AUTOPILOT_CONFIG: path.join(home, 'config.json'), AUTOPILOT_URL: w.t.orch.url, AUTOPILOT_KEY: ADMIN_KEY };
  }, 60_000);
  afterAll(async () => {
    await w?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('automation: shows the defaults, changes only the flags given, refuses bad values', { timeout: 150_000 }, async () => {
    const shown = await run(['github', 'automation', REPO]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/CI fixing:\s+off/);
    expect(shown.stdout).toContain('never (defaults)');

    const saved = await json(['github', 'automation', REPO, '--ci-fix', 'on', '--max-per-pr', '3', '--merge', 'on', '--method', 'rebase', '--auto-merge', 'off'], RepoAutomation);
    expect(saved).toMatchObject({ repo: REPO, ciFix: { enabled: true, maxPerPr: 3, maxPerRepoPerDay: 10 }, merge: { enabled: true, method: 'rebase', useAutoMerge: false }, archive: { auto: false } });
    expect(saved.updatedAt).not.toBeNull();
    // A later change keeps what it does not name.
    const again = await json(['github', 'automation', REPO, '--auto-archive', 'on'], RepoAutomation);
    expect(again).toMatchObject({ ciFix: { enabled: true, maxPerPr: 3 }, merge: { method: 'rebase' }, archive: { auto: true } });

    const list = await json(['github', 'automation'], RepoAutomationList);
    expect(list.items.find((a) => a.repo === REPO)?.ciFix.maxPerPr).toBe(3);
    const table = await run(['github', 'automation']);
    expect(table.stdout).toMatch(new RegExp(`${REPO}\\s+on\\s+3\\s+off\\s+rebase\\s+on`));

    // Usage errors: exit 2, nothing sent.
    for (const args of [['github', 'automation', '--ci-fix', 'on'], ['github', 'automation', REPO, '--max-per-pr', '99'], ['github', 'automation', REPO, '--ci-fix', 'maybe'], ['github', 'automation', 'not-a-repo']]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/autopilot: |error: /);
    }
    expect((await json(['github', 'automation', REPO], RepoAutomation)).ciFix.maxPerPr).toBe(3);
  });

  it('webhook: the URL, a generated secret shown once, a given one, refusals naming the field', { timeout: 150_000 }, async () => {
    const before = await json(['github', 'webhook'], GitHubWebhook);
    expect(before.secretSet).toBe(false);
    expect(before.url).toMatch(new RegExp(`/hooks/github/${w.ws}$`));

    const generated = await run(['github', 'webhook', '--generate']);
    expect(generated.code, generated.stderr).toBe(0);
    const secret = /Secret \(shown once[^)]*\): (\S+)/.exec(generated.stdout)?.[1];
    expect(secret).toMatch(/^[\x21-\x7e]{16,}$/);
    const after = await run(['github', 'webhook']);
    expect(after.stdout).toContain(`set (…${secret!.slice(-4)})`);
    expect(after.stdout).not.toContain(secret!);

    const given = await json(['github', 'webhook', '--secret', 'a-long-webhook-secret-of-mine'], GitHubWebhookSaved);
    expect(given).toMatchObject({ secretSet: true, secretLast4: 'mine', secret: null });
    const short = await run(['github', 'webhook', '--secret', 'short']);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/secret/);
    expect(short.stderr).toContain('[HTTP 400]');

    const removed = await json(['github', 'webhook', '--remove'], GitHubWebhook);
    expect(removed).toMatchObject({ secretSet: false, polling: 'primary' });
    expect((await run(['github', 'webhook', '--generate', '--remove'])).code).toBe(2);
  });

  it('prs, ci runs and ci stats show the linked PR and its failing check; archive-finished archives once it merged', { timeout: 240_000 }, async () => {
    // Only a person acts here: the loop's own automation (set by the test above) is turned off again.
    const off = await json(['github', 'automation', REPO, '--ci-fix', 'off', '--merge', 'off', '--auto-archive', 'off'], RepoAutomation);
    expect(off).toMatchObject({ ciFix: { enabled: false }, merge: { enabled: false }, archive: { auto: false } });
    const { session, pr } = await sessionWithPr(w, 'Add a gift wrap option');
    failCi(w, pr.number);
    const synced = await run(['github', 'sync']);
    expect(synced.code, synced.stderr).toBe(0);
    expect(synced.stdout).toMatch(/PR\(s\) in \d+ repo\(s\)/);
    await until('the failing check in the mirror', async () => (await json(['prs', '--session', session.id], PullPage)).items[0]?.checks === 'failure');

    const prs = await run(['prs', '--repo', REPO, '--state', 'open']);
    expect(prs.code, prs.stderr).toBe(0);
    expect(prs.stdout).toMatch(/^PR\s+STATE\s+CHECKS/);
    expect(prs.stdout).toMatch(new RegExp(`${REPO}#${pr.number}\\s+open\\s+failure`));
    expect(prs.stdout).toContain(session.id);
    expect((await json(['prs', '--state', 'merged'], PullPage)).items).toEqual([]);

    const runs = await json(['ci', 'runs', '--repo', REPO, '--pr', String(pr.number)], CiRunPage);
    expect(runs.items.map((r) => `${r.name}:${r.conclusion}`).sort()).toEqual(['build:success', 'test:failure']);
    expect(runs.items.every((r) => r.sessionId === session.id)).toBe(true);
    const failing = await run(['ci', 'runs', '--conclusion', 'failure', '--session', session.id]);
    expect(failing.stdout).toMatch(new RegExp(`${REPO}#${pr.number}\\s+test\\s+completed\\s+failure`));
    expect((await run(['ci', 'runs', '--pr', '1'])).code).toBe(2);
    expect((await run(['ci', 'runs', '--conclusion', 'exploded'])).code).toBe(2);

    const stats = await json(['ci', 'stats', '--repo', REPO], CiStats);
    expect(stats).toMatchObject({ total: 2, passed: 1, failed: 1, running: 0, successRate: 0.5 });
    const statsText = await run(['ci', 'stats', '--repo', REPO]);
    expect(statsText.stdout).toMatch(/Success rate:\s+50%/);

    // Nothing finished yet; then the PR merges on GitHub and the session is archived on Jules.
    const none = await run(['github', 'archive-finished', '--dry-run']);
    expect(none.stdout).toContain('0 session(s) would be archived');
    w.gh.mergePull(REPO, pr.number, { method: 'squash' });
    await until('the merge in the mirror', async () => {
      await run(['github', 'sync']);
      return (await json(['prs', '--state', 'merged'], PullPage)).items.some((p) => p.number === pr.number);
    });
    const dry = await json(['github', 'archive-finished', '--dry-run'], ArchiveFinishedResult);
    expect(dry).toMatchObject({ matched: 1, archived: 0, failed: [] });
    const real = await run(['github', 'archive-finished']);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stderr).toContain('[##########] 1/1 archived, 0 failed');
    expect(real.stdout).toContain('1 of 1 session(s) archived');
    expect(w.jules.sessions().find((s) => s.id === session.julesId)?.archived).toBe(true);
    expect((await json(['github', 'archive-finished', '--dry-run'], ArchiveFinishedResult)).matched).toBe(0);
  });
});
