import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Template, TemplatePage, TemplatePreview } from '@autopilot/contracts';
import { startTestOrchestrator, type TestOrchestrator } from './harness';
import { engineEnv, orchestratorEngines } from './orchestrator-engines';

type ErrorJson = { error: { code: string; message: string; details?: { issues?: Array<{ path: string; message: string }>; currentVersion?: number } } };

const fixIssue = {
  name: 'Fix an issue',
  prompt: 'Fix issue #{{issue}} in {{ repo }}. Area: {{area}}.',
  title: 'Fix #{{issue}} ({{area}})',
  branch: 'main',
  automationMode: 'AUTO_CREATE_PR',
  requirePlanApproval: true,
  keeper: { paused: true, holdWords: ['migration'] },
  tags: ['Bugs', 'bugs', 'backend'],
  variables: [
    { name: 'repo', type: 'repo', required: true },
    { name: 'issue', type: 'number', required: true },
    { name: 'area', type: 'enum', values: ['api', 'web'], default: 'api' },
  ],
};

/**
 * /api/templates over HTTP on a real orchestrator (SQLite, and PostgreSQL with TEST_DATABASE_URL): CRUD, optimistic
 * updates, roles, tenancy and preview problems.
 */
describe.each(orchestratorEngines())('templates API (%s)', (engine) => {
  let t: TestOrchestrator;
  let dropDb: () => Promise<void> = async () => {};
  let other: { id: string; key: string };
  let viewerKey: string;
  let memberKey: string;
  beforeAll(async () => {
    const e = await engineEnv(engine);
    dropDb = e.cleanup;
    t = await startTestOrchestrator({ JULES_DEMO_SESSIONS: '0', ...e.env });
    other = await t.newWorkspace('elsewhere');
    const mk = async (role: string) => ((await (await t.request('/api/keys', { method: 'POST', json: { name: role, role } })).json()) as { key: string }).key;
    viewerKey = await mk('viewer');
    memberKey = await mk('member');
  });
  afterAll(async () => {
    await t?.close();
    await dropDb();
  });

  const json = async <T>(res: Response) => (await res.json()) as T;

  it('creates, reads, lists by tag in pages, replaces and deletes; names are unique per workspace', async () => {
    const res = await t.request('/api/templates', { method: 'POST', key: memberKey, json: fixIssue });
    expect(res.status).toBe(201);
    const created = Template.parse(await res.json());
    expect(created).toMatchObject({ version: 1, tags: ['bugs', 'backend'], automationMode: 'AUTO_CREATE_PR', keeper: { paused: true, holdWords: ['migration'] }, warnings: [] });

    const got = Template.parse(await json(await t.request(`/api/templates/${created.id}`, { key: viewerKey })));
    expect(got).toEqual(created);

    const dup = await t.request('/api/templates', { method: 'POST', json: { ...fixIssue, name: 'FIX AN ISSUE' } });
    expect(dup.status).toBe(409);
    expect((await json<ErrorJson>(dup)).error.details?.issues?.[0].path).toBe('body.name');

    for (const name of ['b docs', 'c deps', 'd lint']) {
      expect((await t.request('/api/templates', { method: 'POST', json: { name, prompt: `Do ${name}`, tags: name === 'c deps' ? ['chores'] : ['bugs'] } })).status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = TemplatePage.parse(await json(await t.request(`/api/templates?tag=BUGS&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: viewerKey })));
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['b docs', 'd lint', 'Fix an issue']);
    const all = TemplatePage.parse(await json(await t.request('/api/templates')));
    expect(all.items.map((i) => i.name)).toEqual(['b docs', 'c deps', 'd lint', 'Fix an issue']);
    const badCursor = await t.request('/api/templates?cursor=nonsense');
    expect(badCursor.status).toBe(400);
    expect((await json<ErrorJson>(badCursor)).error.details?.issues?.[0].path).toBe('query.cursor');

    const upd = await t.request(`/api/templates/${created.id}`, { method: 'PUT', key: memberKey, json: { ...fixIssue, tags: ['chores'], version: 1 } });
    expect(upd.status).toBe(200);
    const updated = Template.parse(await upd.json());
    expect(updated).toMatchObject({ version: 2, tags: ['chores'], createdAt: created.createdAt });
    const chores = TemplatePage.parse(await json(await t.request('/api/templates?tag=chores')));
    expect(chores.items.map((i) => i.name)).toEqual(['c deps', 'Fix an issue']);

    const rename = await t.request(`/api/templates/${created.id}`, { method: 'PUT', json: { ...fixIssue, name: 'B Docs', version: 2 } });
    expect(rename.status).toBe(409);

    expect((await t.request(`/api/templates/${created.id}`, { method: 'DELETE', key: memberKey })).status).toBe(204);
    expect((await t.request(`/api/templates/${created.id}`)).status).toBe(404);
    expect((await t.request(`/api/templates/${created.id}`, { method: 'DELETE' })).status).toBe(404);
    const after = TemplatePage.parse(await json(await t.request('/api/templates?tag=chores')));
    expect(after.items.map((i) => i.name)).toEqual(['c deps']);
  });

  it('a stale update is a 409 naming body.version with the current version, and changes nothing', async () => {
    const created = Template.parse(await json(await t.request('/api/templates', { method: 'POST', json: { name: 'stale', prompt: 'one' } })));
    const first = await t.request(`/api/templates/${created.id}`, { method: 'PUT', json: { name: 'stale', prompt: 'two', version: 1 } });
    expect(first.status).toBe(200);
    const second = await t.request(`/api/templates/${created.id}`, { method: 'PUT', json: { name: 'stale', prompt: 'three', version: 1 } });
    expect(second.status).toBe(409);
    const err = await json<ErrorJson>(second);
    expect(err.error.details?.currentVersion).toBe(2);
    expect(err.error.details?.issues?.[0].path).toBe('body.version');
    const now = Template.parse(await json(await t.request(`/api/templates/${created.id}`)));
    expect([now.prompt, now.version]).toEqual(['two', 2]);

    // Two writers on the same version: exactly one wins.
    const race = await Promise.all(['a', 'b', 'c'].map((p) => t.request(`/api/templates/${created.id}`, { method: 'PUT', json: { name: 'stale', prompt: p, version: 2 } })));
    expect(race.map((r) => r.status).sort()).toEqual([200, 409, 409]);
  });

  it('viewers read but cannot write; members can', async () => {
    const created = Template.parse(await json(await t.request('/api/templates', { method: 'POST', key: memberKey, json: { name: 'roles', prompt: 'x' } })));
    const denied = [
      await t.request('/api/templates', { method: 'POST', key: viewerKey, json: { name: 'nope', prompt: 'x' } }),
      await t.request(`/api/templates/${created.id}`, { method: 'PUT', key: viewerKey, json: { name: 'roles', prompt: 'y', version: 1 } }),
      await t.request(`/api/templates/${created.id}`, { method: 'DELETE', key: viewerKey }),
    ];
    for (const r of denied) expect(r.status).toBe(403);
    // Viewers read with GET; every other method is refused to viewer keys by the platform (auth.ts), previews included.
    expect((await t.request(`/api/templates/${created.id}`, { key: viewerKey })).status).toBe(200);
    expect((await t.request('/api/templates', { key: viewerKey })).status).toBe(200);
    expect((await t.request(`/api/templates/${created.id}/preview`, { method: 'POST', key: viewerKey, json: {} })).status).toBe(403);
    expect((await t.request(`/api/templates/${created.id}/preview`, { method: 'POST', key: memberKey, json: {} })).status).toBe(200);
    expect((await t.request('/api/templates/preview', { method: 'POST', key: memberKey, json: { template: { name: 'd', prompt: 'x' } } })).status).toBe(200);
    expect(Template.parse(await json(await t.request(`/api/templates/${created.id}`))).version).toBe(1);
  });

  it('another workspace can neither see nor touch a template', async () => {
    const created = Template.parse(await json(await t.request('/api/templates', { method: 'POST', json: { name: 'private', prompt: 'secret plan', tags: ['mine'] } })));
    expect((await t.request(`/api/templates/${created.id}`, { key: other.key })).status).toBe(404);
    expect((await t.request(`/api/templates/${created.id}/preview`, { method: 'POST', key: other.key, json: {} })).status).toBe(404);
    expect((await t.request(`/api/templates/${created.id}`, { method: 'PUT', key: other.key, json: { name: 'x', prompt: 'y', version: 1 } })).status).toBe(404);
    expect((await t.request(`/api/templates/${created.id}`, { method: 'DELETE', key: other.key })).status).toBe(404);
    const list = await (await t.request('/api/templates?tag=mine', { key: other.key })).text();
    expect(list).not.toContain(created.id);
    expect(TemplatePage.parse(JSON.parse(list)).items).toEqual([]);
    // The same name is free in the other workspace.
    expect((await t.request('/api/templates', { method: 'POST', key: other.key, json: { name: 'private', prompt: 'mine' } })).status).toBe(201);
    expect(Template.parse(await json(await t.request(`/api/templates/${created.id}`))).prompt).toBe('secret plan');
  });

  it('refuses bad bodies with 400 naming the field: undeclared variables, duplicates, bad types, bad patterns', async () => {
    const cases: Array<[unknown, string, RegExp?]> = [
      [{ name: 'u', prompt: 'Hello {{who}} and {{ where }}' }, 'body.prompt', /\{\{who\}\} is used in the prompt but not declared/],
      [{ name: 'u', prompt: 'x', title: 'About {{topic}}' }, 'body.title', /\{\{topic\}\}/],
      [{ name: 'u', prompt: 'x', branch: 'feature/{{ticket}}' }, 'body.branch', /\{\{ticket\}\}/],
      [{ name: 'u', prompt: '{{a}}', variables: [{ name: 'a', type: 'string' }, { name: 'b', type: 'number' }, { name: 'a', type: 'number' }] }, 'body.variables.2.name', /declared twice/],
      [{ name: 'u', prompt: '{{a}}', variables: [{ name: 'a', type: 'colour' }] }, 'body.variables.0.type'],
      [{ name: 'u', prompt: '{{a}}', variables: [{ name: 'a', type: 'enum', values: [] }] }, 'body.variables.0.values'],
      [{ name: 'u', prompt: '{{a}}', variables: [{ name: '1a', type: 'string' }] }, 'body.variables.0.name'],
      [{ name: 'u', prompt: '{{a}}', variables: [{ name: 'a', type: 'string', pattern: '([a-z' }] }, 'body.variables.0.pattern', /not a valid regular expression/],
      [{ name: 'u', prompt: '{{repo}}', variables: [{ name: 'repo', type: 'string' }] }, 'body.variables.0.type', /must be repo/],
      [{ name: 'u', prompt: 'x', sources: ['not a repo'] }, 'body.sources.0'],
      [{ name: 'u', prompt: 'x', automationMode: 'SOMETIMES' }, 'body.automationMode'],
      [{ name: '   ', prompt: 'x' }, 'body.name'],
    ];
    for (const [body, path, message] of cases) {
      const res = await t.request('/api/templates', { method: 'POST', json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const issues = (await json<ErrorJson>(res)).error.details?.issues ?? [];
      const hit = issues.find((i) => i.path === path);
      expect(hit, `${JSON.stringify(body)} -> ${JSON.stringify(issues)}`).toBeDefined();
      if (message) expect(hit?.message).toMatch(message);
    }
    // Nothing was half-created.
    const names = TemplatePage.parse(await json(await t.request('/api/templates?limit=500'))).items.map((i) => i.name);
    expect(names).not.toContain('u');
  });

  it('previews a saved template: rendered text, sources and branch, and every problem by variable name', async () => {
    const created = Template.parse(await json(await t.request('/api/templates', { method: 'POST', json: { ...fixIssue, name: 'preview me' } })));
    const ok = TemplatePreview.parse(await json(await t.request(`/api/templates/${created.id}/preview`, { method: 'POST', json: { values: { repo: 'github/Acme/API', issue: '42' } } })));
    expect(ok).toMatchObject({
      prompt: 'Fix issue #42 in Acme/API. Area: api.',
      title: 'Fix #42 (api)',
      sources: ['sources/github/Acme/API'],
      branch: 'main',
      requirePlanApproval: true,
      automationMode: 'AUTO_CREATE_PR',
      keeper: { paused: true, holdWords: ['migration'] },
      values: { repo: 'Acme/API', issue: 42, area: 'api' },
      problems: [],
    });

    const bad = TemplatePreview.parse(await json(await t.request(`/api/templates/${created.id}/preview`, { method: 'POST', json: { values: { issue: 'forty-two', area: 'mobile', colour: 'blue' } } })));
    expect(bad.problems).toEqual([
      { variable: 'repo', message: 'is required and has no default' },
      { variable: 'issue', message: 'must be a number, not "forty-two"' },
      { variable: 'area', message: 'must be one of api, web (not "mobile")' },
      { variable: 'colour', message: 'is not a variable of this template' },
    ]);
    expect(bad.sources).toEqual([]);

    const wrongRepo = TemplatePreview.parse(await json(await t.request(`/api/templates/${created.id}/preview`, { method: 'POST', json: { values: { repo: 'just-a-name', issue: 1 } } })));
    expect(wrongRepo.problems.map((p) => p.variable)).toEqual(['repo']);
    expect((await t.request('/api/templates/does-not-exist/preview', { method: 'POST', json: {} })).status).toBe(404);
  });

  it('previews a draft: undeclared variables and unused ones are reported, not refused', async () => {
    const res = await t.request('/api/templates/preview', {
      method: 'POST',
      json: { template: { name: 'draft', prompt: 'Hi {{who}}, see {{link}}', variables: [{ name: 'link', type: 'url', required: true }, { name: 'spare', type: 'boolean' }] }, values: { link: 'ftp://x' } },
    });
    expect(res.status).toBe(200);
    const p = TemplatePreview.parse(await res.json());
    expect(p.problems).toEqual([
      { variable: 'who', message: '{{who}} is used in the prompt but not declared in variables' },
      { variable: 'link', message: 'must be an http(s) URL, not "ftp://x"' },
    ]);
    expect(p.warnings).toEqual([{ variable: 'spare', message: 'declared but not used in the prompt, the title or the branch' }]);
    expect(p.prompt).toBe('Hi {{who}}, see ');
    const shape = await t.request('/api/templates/preview', { method: 'POST', json: { template: { name: 'draft' } } });
    expect(shape.status).toBe(400);
    expect((await json<ErrorJson>(shape)).error.details?.issues?.[0].path).toBe('body.template.prompt');
  });
});
