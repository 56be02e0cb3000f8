import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApiKeyList, CreatedApiKey, JulesAccountList, KeeperSettings, LoginLink, Me, SessionDetail, SessionPage, UsageReport } from '@autopilot/contracts';
import { ADMIN_KEY, startTestOrchestrator, type TestOrchestrator } from './harness';
import { startFakeUpstream, type FakeUpstream } from './fakes/llm-upstream';
import { bin, cli, commandPaths, eventually, exited, pool, root, tmp } from './cli-support';
import { VERSION } from '../src/platform/version';

type SessionPageT = ReturnType<typeof SessionPage.parse>;
type ApiKeyListT = ReturnType<typeof ApiKeyList.parse>;
type JulesAccountListT = ReturnType<typeof JulesAccountList.parse>;

describe('the autopilot command line', () => {
  let t: TestOrchestrator;
  let up: FakeUpstream;
  let home: string;
  let env: Record<string, string>;
  const dirs: string[] = [];
  const run = (args: string[], extra: Record<string, string> = {}) => cli(args, { env: { ...env, ...extra } });
  const api = async <T>(p: string, init?: Parameters<TestOrchestrator['request']>[1]) => {
    const res = await t.request(p, init);
    expect(res.status, `${p}: ${res.status}`).toBeLessThan(300);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    // Demo sessions move fast, so a plan awaits approval within seconds.
    // An OpenAI provider on a fake upstream, so `costs` has real usage rows to show.
    up = await startFakeUpstream();
    up.script(() => ({ text: 'OK', inputTokens: 120, outputTokens: 30 }));
    t = await startTestOrchestrator(
      { JULES_DEMO_SESSIONS: '6', JULES_DEMO_SPEED: '200', JULES_DEMO_NEW_SESSION_MS: '0', OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${up.url}/v1`, AUTOPILOT_OUTBOUND_ALLOW: new URL(up.url).host },
      { listen: true },
    );
    home = tmp('autopilot-cli-home-');
    dirs.push(home);
    env = { HOME: home, AUTOPILOT_CONFIG: path.join(home, 'config.json'), AUTOPILOT_URL: t.orch.url, AUTOPILOT_KEY: ADMIN_KEY };
    await eventually(async () => ((await api<SessionPageT>('/api/sessions')).items.length >= 6 ? true : undefined));
  });
  afterAll(async () => {
    await t?.close();
    await up?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('prints its version, and --help of every command exits 0 with usage, opening no port and writing no file', { timeout: 120_000 }, async () => {
    const version = await cli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(VERSION);

    // A preload that makes any listen() throw, and empty HOME / DATA_DIR / AUTOPILOT_CONFIG / cwd that must stay empty.
    const sandbox = tmp('autopilot-cli-help-');
    dirs.push(sandbox);
    const preload = path.join(tmp('autopilot-cli-preload-'), 'no-listen.mjs');
    dirs.push(path.dirname(preload));
    fs.writeFileSync(preload, "import net from 'node:net';\nnet.Server.prototype.listen = function () { throw new Error('NO-LISTEN: a port was opened'); };\n");
    const nodeArgs = ['--import', pathToFileURL(preload).href];
    const helpEnv = { HOME: sandbox, DATA_DIR: path.join(sandbox, 'data'), AUTOPILOT_CONFIG: path.join(sandbox, 'config.json'), PORT: '0' };

    // The preload works: `serve` itself dies on it (in a directory of its own, since it does write its database).
    const control = tmp('autopilot-cli-control-');
    dirs.push(control);
    const served = await cli(['serve'], { nodeArgs, cwd: control, env: { HOME: control, DATA_DIR: control, PORT: '0', LOG_LEVEL: 'silent' } });
    expect(served.code).not.toBe(0);
    expect(served.stderr).toContain('NO-LISTEN');

    const paths = [[], ...commandPaths()];
    expect(paths.map((p) => p.join(' '))).toEqual(expect.arrayContaining(['serve', 'sim', 'sessions ls', 'sessions show', 'sessions new', 'sessions approve', 'sessions say', 'sessions archive', 'sessions watch', 'keys ls', 'keys create', 'keys revoke', 'accounts ls', 'accounts add', 'accounts remove', 'keeper status', 'keeper pause', 'keeper resume', 'costs', 'login', 'login-link', 'github-sim', 'batch', 'batches ls', 'batches show', 'templates ls', 'templates launch', 'dispatch status', 'dispatch limits', 'dispatch ls']));
    const results = await pool(paths, 3, (p) => cli([...p, '--help'], { nodeArgs, cwd: sandbox, env: helpEnv }));
    paths.forEach((p, i) => {
      const r = results[i];
      const name = `autopilot ${p.join(' ')} --help`;
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      // sim's help is the simulator's own (on stderr); every other one is commander's, on stdout.
      if (p[0] === 'sim' || p[0] === 'github-sim') expect(r.stderr + r.stdout, name).toMatch(/usage/i);
      else expect(r.stdout, name).toMatch(new RegExp(`^Usage: autopilot${p.length ? ` ${p.join(' ')}` : ''}\\b`));
      expect(r.stderr, name).not.toContain('NO-LISTEN');
    });
    expect(results.find((r) => r.stdout.includes('--json') && r.stdout.startsWith('Usage: autopilot sessions ls'))).toBeTruthy();
    expect(fs.readdirSync(sandbox), 'nothing written to HOME, DATA_DIR, AUTOPILOT_CONFIG or the working directory').toEqual([]);
  });

  it('lists sessions, keys, accounts, the keeper and costs as tables, and as the contract JSON with --json', { timeout: 60_000 }, async () => {
    const providers = await api<{ items: Array<{ id: string; kind: string }> }>('/api/providers');
    const openai = providers.items.find((p) => p.kind === 'openai')!;
    expect((await api<{ ok: boolean }>(`/api/providers/${openai.id}/test`, { method: 'POST', json: {} })).ok).toBe(true);
    const usage = await api<UsageReport>('/api/llm/usage?groupBy=model');
    expect(usage.rows.length).toBeGreaterThan(0);
    const page = await api<SessionPageT>('/api/sessions?limit=100');
    const completed = page.items.filter((s) => s.state === 'COMPLETED');
    const [ls, lsJson, lsFiltered, lsLimit, keys, keysJson, accounts, accountsJson, keeper, keeperJson, costsJson, costs] = await pool(
      [
        ['sessions', 'ls'],
        ['sessions', 'ls', '--json', '--limit', '100'],
        ['sessions', 'ls', '--state', 'completed', '--json', '--limit', '100'],
        ['sessions', 'ls', '--limit', '2', '--json'],
        ['keys', 'ls'],
        ['keys', 'ls', '--json'],
        ['accounts', 'ls'],
        ['accounts', 'ls', '--json'],
        ['keeper', 'status'],
        ['keeper', 'status', '--json'],
        ['costs', '--json', '--by', 'model,task'],
        ['costs'],
      ],
      3,
      (args) => run(args),
    );
    for (const r of [ls, lsJson, lsFiltered, lsLimit, keys, keysJson, accounts, accountsJson, keeper, keeperJson, costsJson, costs]) expect(r.code, r.stderr).toBe(0);

    expect(ls.stdout.split('\n')[0]).toMatch(/^ID +STATE +UPDATED +SOURCE +TITLE$/);
    for (const s of page.items.slice(0, 6)) expect(ls.stdout).toContain(s.id);
    expect(ls.stdout).toContain(page.items[0].state);

    const parsed = SessionPage.parse(JSON.parse(lsJson.stdout));
    expect(parsed.items.map((s) => s.id).sort()).toEqual(page.items.map((s) => s.id).sort());
    // Demo sessions move on while the test runs: the filter is checked on what it returned, not on a snapshot.
    const filtered = SessionPage.parse(JSON.parse(lsFiltered.stdout));
    expect(completed.length + filtered.items.length).toBeGreaterThan(0);
    for (const s of filtered.items) expect(s.state).toBe('COMPLETED');
    const all = new Set(parsed.items.map((s) => s.id));
    for (const s of filtered.items) expect(all.has(s.id)).toBe(true);
    const limited = SessionPage.parse(JSON.parse(lsLimit.stdout));
    expect(limited.items).toHaveLength(2);
    expect(limited.nextCursor).toBeTruthy();

    const apiKeys = await api<ApiKeyListT>('/api/keys');
    expect(ApiKeyList.parse(JSON.parse(keysJson.stdout)).items.map((k) => k.id)).toEqual(apiKeys.items.map((k) => k.id));
    expect(keys.stdout).toMatch(/^ID +NAME +ROLE +PREFIX/);
    expect(keys.stdout).toContain(apiKeys.items[0].id);
    expect(keys.stdout).toContain('admin (AUTOPILOT_ADMIN_KEY)');

    const apiAccounts = await api<JulesAccountListT>('/api/jules/accounts');
    // lastSyncAt moves with every poll: compare what stays.
    const stable = (l: JulesAccountListT) => l.items.map((a) => ({ id: a.id, name: a.name, origin: a.origin, keyLast4: a.keyLast4 }));
    expect(stable(JulesAccountList.parse(JSON.parse(accountsJson.stdout)))).toEqual(stable(apiAccounts));
    expect(accounts.stdout).toContain(apiAccounts.items[0].id);
    expect(accounts.stdout).toContain('simulator');

    const me = await api<Me>('/api/me');
    const k = JSON.parse(keeperJson.stdout) as { settings: unknown; loops: Array<{ name: string }>; notifications: unknown[] };
    expect(KeeperSettings.parse(k.settings)).toEqual(await api('/api/keeper/settings'));
    expect(k.loops.map((l) => l.name)).toEqual([`keeper:${me.workspace.id}`]);
    expect(keeper.stdout).toMatch(/^Keeper: +on$/m);
    expect(keeper.stdout).toContain(`keeper:${me.workspace.id}`);

    const report = UsageReport.parse(JSON.parse(costsJson.stdout));
    expect(report.groupBy).toEqual(['model', 'task']);
    expect(report.totals.calls).toBeGreaterThanOrEqual(usage.totals.calls);
    expect(report.rows.length).toBeGreaterThan(0);
    expect(costs.stdout).toMatch(/^LLM usage \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}$/m);
    expect(costs.stdout).toMatch(/^MODEL +CALLS +ERRORS +IN TOKENS +OUT TOKENS +COST +AVG LATENCY$/m);
    const row = usage.rows[0];
    expect(costs.stdout).toMatch(new RegExp(`^${row.model} +\\d+ +\\d+ +\\d+ +\\d+ +\\$\\d`, 'm'));
    expect(costs.stdout).toMatch(/^TOTAL +\d+ /m);
  });

  it('creates a session, shows it, approves its plan, sends a message and archives it, for real', { timeout: 60_000 }, async () => {
    const created = await run(['sessions', 'new', 'Add', 'a', 'CHANGELOG', 'entry', '--title', 'CLI changelog', '--repo', 'acme-corp/payments-api', '--branch', 'main', '--require-approval', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const s = SessionDetail.parse(JSON.parse(created.stdout));
    expect(s).toMatchObject({ title: 'CLI changelog', prompt: 'Add a CHANGELOG entry', source: 'sources/github/acme-corp/payments-api', startingBranch: 'main', requirePlanApproval: true });
    expect((await api<SessionDetail>(`/api/sessions/${s.id}`)).title).toBe('CLI changelog');

    const show = await run(['sessions', 'show', s.id]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(new RegExp(`^ID: +${s.id}$`, 'm'));
    expect(show.stdout).toMatch(/^Source: +acme-corp\/payments-api \(main\)$/m);
    expect(show.stdout).toMatch(/^Plan approval: +required$/m);

    await eventually(async () => (await api<SessionDetail>(`/api/sessions/${s.id}`)).state === 'AWAITING_PLAN_APPROVAL');
    const approved = await run(['sessions', 'approve', s.id]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(new RegExp(`^approved ${s.id} `));
    await eventually(async () => (await api<SessionDetail>(`/api/sessions/${s.id}`)).state !== 'AWAITING_PLAN_APPROVAL');
    const again = await run(['sessions', 'approve', s.id]);
    expect(again.code, 'approving twice is an API error').toBe(1);
    expect(again.stderr).toMatch(/^autopilot: conflict: .+\[HTTP 409\]\n$/);

    const said = await run(['sessions', 'say', s.id, 'Use', 'pino', 'for', 'logging']);
    expect(said.code, said.stderr).toBe(0);
    expect(said.stdout).toMatch(new RegExp(`^sent to ${s.id} `));
    await eventually(async () => {
      const acts = await api<{ items: Array<{ kind: string; data: Record<string, unknown> }> }>(`/api/sessions/${s.id}/activities?limit=200`);
      return acts.items.some((a) => a.kind === 'userMessaged' && JSON.stringify(a.data).includes('Use pino for logging'));
    });

    const [paused, shown] = await Promise.all([run(['keeper', 'pause', s.id, '--json']), run(['sessions', 'show', s.id])]);
    expect(paused.code, paused.stderr).toBe(0);
    expect(JSON.parse(paused.stdout)).toMatchObject({ sessionId: s.id, paused: true });
    expect((await api<{ paused: boolean }>(`/api/sessions/${s.id}/keeper`)).paused).toBe(true);
    expect(shown.stdout).toMatch(/^Keeper: +(active|paused for this session)/m);
    expect(shown.stdout).toMatch(/^Latest activities \(\d+ of \d+\):$/m);
    const resumed = await run(['keeper', 'resume', s.id]);
    expect(resumed.stdout).toMatch(new RegExp(`^keeper active for session ${s.id}`));
    expect((await api<{ paused: boolean }>(`/api/sessions/${s.id}/keeper`)).paused).toBe(false);

    const archived = await run(['sessions', 'archive', s.id, '--json']);
    expect(archived.code, archived.stderr).toBe(0);
    expect(SessionDetail.parse(JSON.parse(archived.stdout)).archived).toBe(true);
    expect((await api<SessionDetail>(`/api/sessions/${s.id}`)).archived).toBe(true);
  });

  it('watches the live event stream, one line per event, and stops on Ctrl-C', { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, [bin, 'sessions', 'watch', '--json', '--type', 'session.'], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exit = exited(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    try {
      await eventually(async () => stderr.includes('watching'));
      const s = await api<SessionDetail>('/api/sessions', { method: 'POST', json: { prompt: 'Watch me', title: 'watched session' } });
      await eventually(async () => stdout.split('\n').some((l) => l.includes(s.id) && l.includes('"session.created"')));
      for (const line of stdout.trim().split('\n')) expect((JSON.parse(line) as { type: string }).type.startsWith('session.')).toBe(true);
      child.kill('SIGINT');
      expect(await exit).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    // Human lines: time, type, session, what.
    const human = spawn(process.execPath, [bin, 'sessions', 'watch'], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const humanExit = exited(human);
    let hout = '';
    let herr = '';
    human.stdout!.on('data', (d) => (hout += d));
    human.stderr!.on('data', (d) => (herr += d));
    try {
      await eventually(async () => herr.includes('watching'));
      const s = await api<SessionDetail>('/api/sessions', { method: 'POST', json: { prompt: 'Watch me too', title: 'watched again' } });
      await eventually(async () => hout.split('\n').some((l) => new RegExp(`^\\d\\d:\\d\\d:\\d\\d  session\\.created +${s.id}  \\w+  watched again$`).test(l)));
      human.kill('SIGINT');
      expect(await humanExit).toBe(0);
    } finally {
      human.kill('SIGKILL');
    }
  });

  it('says what went wrong in one line: exit 2 for usage, 1 for API errors (with the code and message), no stack', { timeout: 60_000 }, async () => {
    const [wrongKey, badLimit, unknown, missingArg, noKey, watchWrongKey, badRepo, keyCreate, unknownSub] = await pool(
      [
        { args: ['sessions', 'ls'], env: { AUTOPILOT_KEY: 'ap_000000000000_wrongwrongwrongwrongwrongwrongwrongwrongwro' } },
        { args: ['sessions', 'ls', '--limit', 'lots'] },
        { args: ['bogus'] },
        { args: ['sessions', 'show'] },
        { args: ['keys', 'ls'], env: { AUTOPILOT_KEY: '', AUTOPILOT_URL: '' } },
        { args: ['sessions', 'watch'], env: { AUTOPILOT_KEY: 'ap_000000000000_wrongwrongwrongwrongwrongwrongwrongwrongwro' } },
        { args: ['sessions', 'new', 'x', '--repo', 'not a repo', '--branch', 'main'] },
        { args: ['keys', 'create', '--name', 'ci-bot', '--role', 'viewer', '--expires', '30d', '--json'] },
        { args: ['sessions', 'bogus'] },
      ] as Array<{ args: string[]; env?: Record<string, string> }>,
      3,
      (c) => run(c.args, c.env),
    );
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/^autopilot: unauthorized: Invalid or revoked API key.*\[HTTP 401\]\n$/);
    expect(wrongKey.stdout).toBe('');
    expect(watchWrongKey.code).toBe(1);
    expect(watchWrongKey.stderr).toContain('unauthorized');
    for (const r of [badLimit, unknown, missingArg, noKey, badRepo, unknownSub]) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
    }
    expect(badLimit.stderr).toContain('--limit');
    expect(unknown.stderr).toContain("unknown command 'bogus'");
    expect(unknownSub.stderr).toContain("unknown command 'bogus'");
    expect(missingArg.stderr).toContain("missing required argument 'id'");
    expect(noKey.stderr).toContain('no API key');
    expect(badRepo.stderr).toContain('owner/repo');
    for (const r of [wrongKey, badLimit, unknown, missingArg, noKey, watchWrongKey, badRepo]) expect(r.stderr).not.toMatch(/^\s+at /m);

    // keys create prints the key once; the new viewer key then works, and revoke ends it.
    expect(keyCreate.code, keyCreate.stderr).toBe(0);
    const minted = CreatedApiKey.parse(JSON.parse(keyCreate.stdout));
    expect(minted.role).toBe('viewer');
    expect(Math.abs(Date.parse(minted.expiresAt!) - (Date.now() + 30 * 86_400_000))).toBeLessThan(120_000);
    const listed = await run(['keys', 'ls']);
    const until = `${minted.expiresAt!.slice(0, 10)} ${minted.expiresAt!.slice(11, 16)}`;
    expect(listed.stdout).toMatch(new RegExp(`^${minted.id} +ci-bot +viewer +${minted.prefix} .* ${until} +-$`, 'm'));
    expect(listed.stdout).toMatch(/^\S+ +admin \(AUTOPILOT_ADMIN_KEY\) +owner .* never +-$/m);
    const viewer = await run(['sessions', 'ls', '--json'], { AUTOPILOT_KEY: minted.key });
    expect(viewer.code, viewer.stderr).toBe(0);
    const denied = await run(['login-link'], { AUTOPILOT_KEY: minted.key });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^autopilot: forbidden: /);
    const revoked = await run(['keys', 'revoke', minted.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await api<ApiKeyListT>('/api/keys')).items.find((k) => k.id === minted.id)?.revokedAt).toBeTruthy();
  });

  it('login checks the key, saves a 0600 profile, and later commands use it', { timeout: 60_000 }, async () => {
    const cfgDir = tmp('autopilot-cli-cfg-');
    dirs.push(cfgDir);
    const config = path.join(cfgDir, 'nested', 'config.json');
    const base = { HOME: cfgDir, AUTOPILOT_CONFIG: config };
    const bad = await cli(['login', '--url', t.orch.url, '--key', 'ap_000000000000_wrongwrongwrongwrongwrongwrongwrongwrongwro'], { env: base });
    expect(bad.code).toBe(1);
    expect(fs.existsSync(config), 'a refused key is not saved').toBe(false);

    const ok = await cli(['login', '--url', t.orch.url, '--key', ADMIN_KEY, '--profile', 'local'], { env: base });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^Workspace: +default$/m);
    expect(fs.statSync(config).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(config, 'utf8'))).toEqual({ current: 'local', profiles: { local: { url: t.orch.url, key: ADMIN_KEY } } });

    const [viaCurrent, viaNamed, missing] = await Promise.all([
      cli(['keys', 'ls', '--json'], { env: base }),
      cli(['accounts', 'ls', '--json', '--profile', 'local'], { env: base }),
      cli(['keys', 'ls', '--profile', 'nope'], { env: base }),
    ]);
    expect(viaCurrent.code, viaCurrent.stderr).toBe(0);
    expect(ApiKeyList.parse(JSON.parse(viaCurrent.stdout)).items.length).toBeGreaterThan(0);
    expect(viaNamed.code, viaNamed.stderr).toBe(0);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no profile "nope"');
  });

  it('login-link prints a link that logs in once (cookies, redirect to /); a used or expired one is refused with a page', { timeout: 60_000 }, async () => {
    const r = await run(['login-link', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const link = LoginLink.parse(JSON.parse(r.stdout));
    expect(link.url).toBe(`${t.orch.url}${link.path}`);
    expect(link.path).toMatch(/^\/login\/[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(link.expiresAt) - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(Date.parse(link.expiresAt) - Date.now()).toBeLessThanOrEqual(10 * 60_000);
    expect(link.url).not.toContain(ADMIN_KEY);

    const head = await fetch(link.url, { method: 'HEAD', redirect: 'manual' });
    expect(head.status, 'a HEAD (link preview) does not spend the link').toBe(200);
    expect(head.headers.get('set-cookie')).toBeNull();
    const first = await fetch(link.url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/');
    const cookies = first.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith('autopilot_session='));
    expect(session).toMatch(/HttpOnly/i);
    expect(cookies.some((c) => c.startsWith('autopilot_csrf='))).toBe(true);
    const cookie = cookies.map((c) => c.split(';')[0]).join('; ');
    const who = await fetch(`${t.orch.url}/api/auth/session`, { headers: { cookie } });
    expect(who.status).toBe(200);
    expect(await who.json()).toMatchObject({ via: 'session', key: { name: 'admin (AUTOPILOT_ADMIN_KEY)', role: 'owner' } });

    const second = await fetch(link.url, { redirect: 'manual' });
    expect(second.status).toBe(410);
    expect(second.headers.get('set-cookie')).toBeNull();
    const page = await second.text();
    expect(page).toContain('autopilot login-link');
    expect(second.headers.get('content-type')).toContain('text/html');
    const css = await fetch(`${t.orch.url}/login/page.css`);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect(page).toContain('href="/login/page.css"');

    // Expired: a fresh link whose expiry has passed (set in the database, as a clock would).
    const fresh = LoginLink.parse(JSON.parse((await run(['login-link', '--json'])).stdout));
    await t.orch.db.kysely.updateTable('login_links').set({ expires_at: Date.now() - 1 }).where('used_at', 'is', null).execute();
    const expired = await fetch(fresh.url, { redirect: 'manual' });
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('autopilot login-link');
    // Stored hashed: the token is nowhere in the table.
    const rows = await t.orch.db.kysely.selectFrom('login_links').selectAll().execute();
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) expect(JSON.stringify(row)).not.toContain(fresh.path.slice('/login/'.length));
  });
});
