import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignOperationIds, type RouteDeclaration } from '@autopilot/contracts';
import { arbitraryFor, type Schema } from './json-schema-arbitrary';
import { ADMIN_KEY, startTestOrchestrator, type TestOrchestrator } from './harness';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../../..');

/**
 * The served OpenAPI document tells the truth: Redocly lints it with no errors, and bodies generated from its own
 * JSON Schema (json-schema-arbitrary.ts) are never refused by a running orchestrator for a rule the document does
 * not state. Every cross-field rule it does state is enforced, with the field named.
 */
describe('the OpenAPI document', () => {
  let t: TestOrchestrator;
  let doc: Schema;
  let tmp: string;
  beforeAll(async () => {
    t = await startTestOrchestrator({ JULES_DEMO_SESSIONS: '4', JULES_DEMO_NEW_SESSION_MS: '0' }, { listen: true });
    const res = await fetch(`${t.orch.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as Schema;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-openapi-'));
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const operations = () =>
    Object.entries<Record<string, Schema>>(doc.paths).flatMap(([p, ops]) =>
      Object.entries(ops)
        .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map(([method, op]) => ({ path: p, method, op })),
    );

  it('has an operationId on every operation (unique), servers, a licence and contact', () => {
    const ids = operations().map((o) => o.op.operationId as string | undefined);
    expect(ids.length).toBeGreaterThan(40);
    expect(ids.filter((id) => !id)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(operations().find((o) => o.path === '/api/sessions' && o.method === 'get')?.op.operationId).toBe('sessionsList');
    expect(operations().find((o) => o.path === '/api/keeper/settings' && o.method === 'put')?.op.operationId).toBe('keeperUpdateSettings');
    expect(doc.servers[0]).toMatchObject({ url: '/' });
    expect(doc.info.license.name).toBeTruthy();
    expect(doc.info.contact.name).toBeTruthy();
  });

  it('derives operationIds from feature and key, and refuses two routes sharing one', () => {
    const decl = (): RouteDeclaration => ({ method: 'get', path: '/x', responses: { 200: { description: 'OK' } } });
    const ok = { sessions: { list: decl() }, keeper: { updateSettings: decl() } };
    assignOperationIds(ok);
    expect([ok.sessions.list.operationId, ok.keeper.updateSettings.operationId]).toEqual(['sessionsList', 'keeperUpdateSettings']);
    expect(() => assignOperationIds({ a: { bC: decl() }, aB: { c: decl() } })).toThrow('operationId aBC is used by both routes.a.bC and routes.aB.c');
  });

  it('lists the configured public URL among its servers', async () => {
    const other = await startTestOrchestrator({ JULES_DEMO_SESSIONS: '0', AUTOPILOT_PUBLIC_URL: 'https://autopilot.example.org/' });
    try {
      const d = (await (await other.request('/api/openapi.json')).json()) as Schema;
      expect(d.servers.map((s: { url: string }) => s.url)).toEqual(['/', 'https://autopilot.example.org']);
    } finally {
      await other.close();
    }
  }, 60_000);

  it('passes redocly lint (recommended rules, redocly.yaml) with no errors', async () => {
    const file = path.join(tmp, 'openapi.json');
    fs.writeFileSync(file, JSON.stringify(doc, null, 2));
    const bin = path.join(ROOT, 'node_modules/.bin/redocly');
    const out = await run(bin, ['lint', file, '--config', path.join(ROOT, 'redocly.yaml'), '--format', 'json'], { cwd: ROOT, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' } }).catch(
      (err: { stdout?: string; stderr?: string; code?: number }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '', failed: err.code }),
    );
    const report = JSON.parse(out.stdout.slice(out.stdout.indexOf('{'))) as { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }> };
    const list = (sev: string) => report.problems.filter((p) => p.severity === sev).map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);
    if (report.totals.warnings) console.warn(`redocly warnings:\n${list('warn').join('\n')}`);
    expect(list('error')).toEqual([]);
    expect(report.totals.errors).toBe(0);
    expect(list('warn')).toEqual([]);
  }, 120_000);

  /**
   * 400s that come from the world, not from a rule about the body: a URL this server may not reach (outbound
   * guard), the workspace's Jules accounts, Jules itself, the clock. Each is named; any other 400 fails the test.
   */
  const WORLD_400 = [
    /is not reachable from this server or points to a private/,
    /several Jules accounts|No Jules account is configured/,
    // A Jules key is checked by a live call before it is saved; the test's accounts point at a closed port.
    /^The key could not be checked: Jules could not be reached/,
    // The clock, which no JSON Schema keyword can compare with (the document says "in the future" in words).
    /^expiresAt must be in the future$|^expiresAt must be at most 5 years ahead$/,
    // Cron syntax, which no JSON Schema keyword parses (the document says so in words on body.cron).
    /^Invalid cron expression: /,
    // A batch's content, which no JSON Schema keyword checks: task rows (CSV fields, checklist items), template
    // values against the template's variables, a template id that names no template of the workspace.
    /^The batch cannot be started: /,
    // A GitHub token is checked by a live call before it is saved; the test's GITHUB_API_URL is a closed port.
    /^GitHub refused this token|^The token could not be checked: |has no GitHub API there/,
    // A GitHub App's private key: PEM-shaped text that is not an RSA key (only parsing it tells), or an app GitHub does not know.
    /^privateKey is not usable: |^GitHub refused this app|^The app could not be checked: /,
    // A stored webhook delivery to test rules against: only the delivery log knows which ids exist.
    /^No delivery .* on this endpoint$/,
    // The server's configuration: e-mail channels need an SMTP server (the document says so on CreateChannel).
    /^E-mail channels need SMTP_URL to be configured on the server$/,
    // A secret for the standard preset: whsec_ + base64 of 24 bytes or more (said in words on HookPreset and the secret).
    /^A Standard Webhooks secret is whsec_ \+ base64 of at least 24 bytes$/,
    // Webhook rules as the rule engine reads them: JSONPath syntax, whether a regular expression could backtrack
    // catastrophically, `{{name}}` used without being extracted (the document says so in words on HookCondition
    // and the actions); each operator's value is in the schema.
    /^Invalid rules: /,
  ];

  it('accepts every body generated from the document: no 400/422 for an unstated rule, never a 500', async () => {
    const seed = Number(process.env.FC_SEED ?? 20261202);
    const sessionsPage = (await (await t.request('/api/sessions?limit=5')).json()) as { items: Array<{ id: string }> };
    // A real id for `{id}`: the newest-made item of the collection the path is under (the last listed: not the
    // default workspace, which keeps its name), else one that does not exist.
    const idFor = async (p: string): Promise<string> => {
      const collection = p.slice(0, p.indexOf('/{id}'));
      const r = await t.request(collection);
      const items = r.ok ? ((await r.json()) as { items?: Array<{ id?: string; workspace?: { id: string } }> }).items : undefined;
      return items?.at(-1)?.id ?? (collection === '/api/sessions' ? sessionsPage.items[0]?.id : undefined) ?? 'does-not-exist';
    };
    const withBodies = operations().filter((o) => o.op.requestBody?.content?.['application/json']?.schema);
    expect(withBodies.length).toBeGreaterThanOrEqual(15);
    const started = Date.now();
    const failures: string[] = [];
    for (const o of withBodies) {
      const schema = o.op.requestBody.content['application/json'].schema as Schema;
      const url = o.path.includes('{id}') ? o.path.replace('{id}', encodeURIComponent(await idFor(o.path))) : o.path;
      const where = `${o.method.toUpperCase()} ${o.path} (${o.op.operationId})`;
      const result = await fc.check(
        fc.asyncProperty(arbitraryFor(doc, schema), async (body) => {
          // The login route takes a key in its body: a generated one is a stranger's (401), the bearer is ignored.
          const send = () =>
            fetch(t.orch.url + url, {
              method: o.method.toUpperCase(),
              headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
              body: JSON.stringify(body),
            });
          // A reused keep-alive socket the server closed at that moment is a transport race, not an answer: once more.
          const res = await send().catch((err: Error) => (err.message === 'fetch failed' ? send() : Promise.reject(err)));
          const text = await res.text();
          if (res.status >= 500 && res.status !== 502 && res.status !== 503) throw new Error(`${res.status}: ${text}`);
          if (res.status === 422) throw new Error(`422: ${text}`);
          if (res.status === 400) {
            const e = (JSON.parse(text) as { error: { code: string; message: string } }).error;
            if (e.code === 'validation_failed' || !WORLD_400.some((re) => re.test(e.message))) throw new Error(`400: ${text}`);
          }
          // x-role-rules states refusals beyond the role (people-only routes refuse every key).
          if (res.status === 403 && !o.op['x-role-rules']) throw new Error(`403 with an owner key: ${text}`);
          return true;
        }),
        { numRuns: 25, seed, endOnFailure: true },
      );
      if (result.failed) {
        failures.push(`${where}: seed ${seed}, path ${result.counterexamplePath}\n  body ${JSON.stringify(result.counterexample?.[0])}\n  ${String((result.errorInstance as Error)?.message ?? result.errorInstance).slice(0, 600)}`);
      }
    }
    expect(failures, `refused schema-valid bodies (rerun with FC_SEED=${seed}):\n${failures.join('\n')}`).toEqual([]);
    // No timing threshold (the machine's load decides it); the duration is logged for whoever watches the suite grow.
    console.log(`openapi fuzz: ${withBodies.length} operations x 25 bodies in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 120_000);

  describe('each cross-field rule it states is enforced, naming the field', () => {
    const post = (p: string, method: string, body: unknown) =>
      t.request(p, { method, json: body }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: { details?: { issues?: Array<{ path: string; message: string }> } } } }));
    const schemaOf = (name: string) => doc.components.schemas[name] as Schema;

    it('CreateSession: startingBranch with source and source with startingBranch (dependentRequired)', async () => {
      expect(schemaOf('CreateSession').dependentRequired).toEqual({ source: ['startingBranch'], startingBranch: ['source'] });
      const noBranch = await post('/api/sessions', 'POST', { prompt: 'x', source: 'acme-corp/storefront' });
      expect(noBranch.status).toBe(400);
      expect(noBranch.body.error?.details?.issues).toEqual([expect.objectContaining({ path: 'body.startingBranch', message: 'required when source is set' })]);
      const noSource = await post('/api/sessions', 'POST', { prompt: 'x', startingBranch: 'main' });
      expect(noSource.status).toBe(400);
      expect(noSource.body.error?.details?.issues).toEqual([expect.objectContaining({ path: 'body.source', message: 'required when startingBranch is set' })]);
    });

    it('PutBudget: degradeTo when onExhausted is degrade (if/then)', async () => {
      expect(schemaOf('PutBudget').if).toBeDefined();
      const r = await post('/api/budgets', 'PUT', { onExhausted: 'degrade' });
      expect(r.status).toBe(400);
      expect(r.body.error?.details?.issues?.[0].path).toBe('body.degradeTo');
    });

    it('CreateHookEndpoint: repo for a linear endpoint without rules (if/then)', async () => {
      expect(schemaOf('CreateHookEndpoint').then).toMatchObject({ required: ['repo'] });
      const r = await post('/api/hooks/endpoints', 'POST', { name: 'Linear', preset: 'linear', secret: 'lin_wh_0123456789abcdef' });
      expect(r.status).toBe(400);
      expect(r.body.error?.details?.issues?.[0].path).toBe('body.repo');
      const withRules = await post('/api/hooks/endpoints', 'POST', { name: 'Linear', preset: 'linear', secret: 'lin_wh_0123456789abcdef', rules: [] });
      expect(withRules.status).toBe(201);
    });

    it('TestHookRules: a payload when no deliveryId is given (if/then)', async () => {
      expect(schemaOf('TestHookRules').then).toMatchObject({ required: ['payload'] });
      const ep = (await (await t.request('/api/hooks/endpoints', { method: 'POST', json: { name: 'rules test', preset: 'github', rules: [] } })).json()) as { id: string };
      const r = await post(`/api/hooks/endpoints/${ep.id}/test`, 'POST', {});
      expect(r.status).toBe(400);
      expect(r.body.error?.details?.issues?.[0].path).toBe('body.payload');
    });

    it('CreateProvider: baseUrl for openai-compatible (if/then)', async () => {
      expect(schemaOf('CreateProvider').then).toMatchObject({ required: ['baseUrl'] });
      const r = await post('/api/providers', 'POST', { kind: 'openai-compatible', name: 'local', apiKey: 'k', defaultModels: { default: 'm' } });
      expect(r.status).toBe(400);
      expect(r.body.error?.details?.issues?.[0].path).toBe('body.baseUrl');
    });

    it('UpdateKeeperNotification(s): read or dismissed (minProperties)', async () => {
      expect(schemaOf('UpdateKeeperNotification').minProperties).toBe(1);
      const one = await post('/api/keeper/notifications/does-not-exist', 'PATCH', {});
      expect(one.status).toBe(400);
      expect(one.body.error?.details?.issues?.[0].path).toBe('body.read');
      const bulk = await post('/api/keeper/notifications/bulk', 'POST', {});
      expect(bulk.status).toBe(400);
      expect(bulk.body.error?.details?.issues?.[0].path).toBe('body.read');
    });

    it('KeeperSettings: one approval override per source (x-unique-by)', async () => {
      const current = (await (await t.request('/api/keeper/settings')).json()) as Schema;
      const perSource = [
        { source: 'sources/github/acme-corp/storefront', policy: 'always' },
        { source: 'github/acme-corp/storefront', policy: 'never' },
      ];
      const r = await post('/api/keeper/settings', 'PUT', { ...current, approval: { ...current.approval, perSource } });
      expect(r.status).toBe(400);
      expect(r.body.error?.details?.issues?.[0]).toMatchObject({ path: 'body.approval.perSource', message: expect.stringContaining('listed twice') });
    });

    it('UpdateProvider / UpdateJulesAccount: a new baseUrl needs the apiKey (dependentRequired)', async () => {
      expect(schemaOf('UpdateProvider').dependentRequired).toEqual({ baseUrl: ['apiKey'] });
      expect(schemaOf('UpdateJulesAccount').dependentRequired).toEqual({ baseUrl: ['apiKey'] });
    });
  });
});
