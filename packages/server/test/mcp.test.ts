import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { ErrorBody, type Batch, type SessionActivity, type SessionDetail, type SessionSummary } from '@autopilot/contracts';
import { ADMIN_KEY, startTestOrchestrator, type TestOrchestrator } from './harness';
import { bin, cli, eventually, exited, root } from './cli-support';

/*
 * The MCP server against a real orchestrator (SQLite, the built-in Jules simulator), with the SDK's own client over
 * both transports: stdio (`node bin/autopilot.mjs mcp`, a child process pointed at the listening orchestrator by
 * AUTOPILOT_URL/AUTOPILOT_KEY) and Streamable HTTP (POST /mcp). Every tool's result is checked against the REST API.
 * Then the MCP Inspector's CLI lists and calls tools against `autopilot mcp`.
 */

const TOOLS = [
  'batches_create', 'batches_list', 'costs_summary', 'keeper_pause', 'keeper_resume', 'keeper_status', 'sessions_approve_plan', 'sessions_archive', 'sessions_create',
  'sessions_get', 'sessions_list', 'sessions_send_message', 'templates_launch', 'templates_list',
];

type Transport = 'stdio' | 'http';

/** The text of a tool result, parsed (tools answer the API's JSON). */
const json = <T>(r: CallToolResult): T => JSON.parse((r.content[0] as { text: string }).text) as T;
const text = (r: CallToolResult) => (r.content[0] as { text: string }).text;

describe('the MCP server (issue #19 item 3)', () => {
  let t: TestOrchestrator;
  let viewerKey: string;
  let templateId: string;
  const clients: Client[] = [];

  const api = async <T>(p: string, init?: Parameters<TestOrchestrator['request']>[1]): Promise<T> => {
    const res = await t.request(p, init);
    expect(res.status, `${p}: ${res.status}`).toBeLessThan(300);
    return (await res.json()) as T;
  };

  /** An SDK client connected over the given transport with the given key. */
  async function connect(kind: Transport, key: string): Promise<Client> {
    const client = new Client({ name: 'mcp-test', version: '1.0.0' });
    const transport =
      kind === 'stdio'
        ? new StdioClientTransport({
            command: process.execPath,
            args: [bin, 'mcp'],
            cwd: root,
            env: { PATH: process.env.PATH ?? '', HOME: t.dataDir, AUTOPILOT_CONFIG: path.join(t.dataDir, 'no-config.json'), AUTOPILOT_URL: t.orch.url, AUTOPILOT_KEY: key },
            stderr: 'pipe',
          })
        : new StreamableHTTPClientTransport(new URL(`${t.orch.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    // Demo sessions move fast, so a new session's plan is there within seconds.
    t = await startTestOrchestrator({ JULES_DEMO_SESSIONS: '3', JULES_DEMO_SPEED: '200', JULES_DEMO_NEW_SESSION_MS: '0' }, { listen: true });
    viewerKey = (await api<{ key: string }>('/api/keys', { method: 'POST', json: { name: 'mcp viewer', role: 'viewer' } })).key;
    templateId = (await api<{ id: string }>('/api/templates', { method: 'POST', json: { name: 'MCP changelog', prompt: 'Add a CHANGELOG entry [sim:happy]', sources: ['acme-corp/payments-api'], branch: 'main' } })).id;
    await eventually(async () => (await api<{ items: SessionSummary[] }>('/api/sessions')).items.length >= 3);
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await t?.close();
  });

  describe('HTTP authentication at /mcp', () => {
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
    const post = (headers: Record<string, string>, method = 'POST') =>
      fetch(`${t.orch.url}/mcp`, { method, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, ...(method === 'POST' ? { body: JSON.stringify(initialize) } : {}) });

    it('refuses no key and a wrong key with the API\'s 401 before any MCP processing', async () => {
      for (const headers of [{}, { authorization: 'Bearer ap_wrong_key_that_does_not_exist' }, { authorization: 'Basic abc' }] as Array<Record<string, string>>) {
        const res = await post(headers);
        expect(res.status, JSON.stringify(headers)).toBe(401);
        const body = ErrorBody.parse(await res.json());
        expect(body.error.code).toBe('unauthorized');
        expect(res.headers.get('mcp-session-id')).toBeNull();
      }
      // The SDK client gets the refusal too (it does not connect).
      for (const key of ['', 'ap_wrong_key_that_does_not_exist']) {
        const c = new Client({ name: 'mcp-test', version: '1' });
        await expect(c.connect(new StreamableHTTPClientTransport(new URL(`${t.orch.url}/mcp`), { requestInit: { headers: key ? { authorization: `Bearer ${key}` } : {} } }))).rejects.toThrow(/401|nauthorized/);
      }
    });

    it('answers an initialize with a key, and 405 for GET and DELETE (stateless: no standalone stream, no session to end)', async () => {
      const ok = await post({ authorization: `Bearer ${ADMIN_KEY}` });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('"serverInfo"');
      for (const method of ['GET', 'DELETE']) {
        const res = await post({ authorization: `Bearer ${ADMIN_KEY}` }, method);
        expect(res.status, method).toBe(405);
        expect(res.headers.get('allow')).toBe('POST');
      }
      expect((await post({}, 'GET')).status, 'auth first, then the method').toBe(401);
    });
  });

  describe('stdio: authentication, and nothing but JSON-RPC on stdout', () => {
    const env = (key?: string): Record<string, string> => ({ PATH: process.env.PATH ?? '', HOME: t.dataDir, AUTOPILOT_CONFIG: path.join(t.dataDir, 'no-config.json'), AUTOPILOT_URL: t.orch.url, ...(key ? { AUTOPILOT_KEY: key } : {}) });

    it('refuses to start without a key (exit 2) and with a wrong key (exit 1, the API\'s 401), saying so on stderr only', { timeout: 30_000 }, async () => {
      const [none, wrong] = await Promise.all([cli(['mcp'], { env: env() }), cli(['mcp'], { env: env('ap_wrong_key_that_does_not_exist') })]);
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/no API key/);
      expect(none.stdout).toBe('');
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/^autopilot: unauthorized: .*\[HTTP 401\]\n$/);
      expect(wrong.stdout).toBe('');
      // The SDK client sees the server go away instead of connecting.
      const c = new Client({ name: 'mcp-test', version: '1' });
      await expect(c.connect(new StdioClientTransport({ command: process.execPath, args: [bin, 'mcp'], cwd: root, env: env('ap_wrong_key_that_does_not_exist'), stderr: 'pipe' }))).rejects.toThrow();
    });

    it('writes only JSON-RPC lines to stdout, also for tool errors and unknown methods', { timeout: 30_000 }, async () => {
      const child = spawn(process.execPath, [bin, 'mcp'], { cwd: root, env: env(ADMIN_KEY), stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      const send = (m: unknown) => child.stdin.write(`${JSON.stringify(m)}\n`);
      send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
      send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'sessions_get', arguments: { id: 'does-not-exist' } } });
      send({ jsonrpc: '2.0', id: 4, method: 'no/such/method' });
      send({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'sessions_list', arguments: { limit: 1 } } });
      try {
        await eventually(async () => stdout.split('\n').filter(Boolean).length >= 5);
      } finally {
        child.stdin.end();
      }
      expect(await exited(child), 'exits when its stdin closes').toBe(0);
      const lines = stdout.split('\n').filter(Boolean);
      const messages = lines.map((l) => JSON.parse(l) as { jsonrpc: string; id?: number; result?: { isError?: boolean }; error?: { code: number } });
      for (const m of messages) expect(m.jsonrpc).toBe('2.0');
      expect(messages.map((m) => m.id).sort()).toEqual([1, 2, 3, 4, 5]);
      expect(messages.find((m) => m.id === 3)!.result!.isError).toBe(true);
      expect(messages.find((m) => m.id === 4)!.error!.code).toBe(-32601);
      expect(messages.find((m) => m.id === 5)!.result!.isError).toBeFalsy();
    });
  });

  describe.each<Transport>(['stdio', 'http'])('over %s', (kind) => {
    let c: Client;
    beforeAll(async () => {
      c = await connect(kind, ADMIN_KEY);
    }, 30_000);

    it('lists every tool, each with an input schema and a description', async () => {
      const { tools } = await c.listTools();
      expect(tools.map((x) => x.name).sort()).toEqual(TOOLS);
      for (const tool of tools) {
        expect(tool.description, tool.name).toBeTruthy();
        expect(tool.inputSchema.type, tool.name).toBe('object');
      }
      expect(tools.find((x) => x.name === 'sessions_create')!.inputSchema.required).toEqual(['prompt']);
    });

    it('calls every tool; each result matches the REST API', { timeout: 120_000 }, async () => {
      const call = async <T>(name: string, args: Record<string, unknown> = {}, onprogress?: (p: Progress) => void) => {
        const r = (await c.callTool({ name, arguments: args }, undefined, onprogress ? { onprogress, timeout: 90_000 } : undefined)) as CallToolResult;
        expect(r.isError, `${name}: ${text(r)}`).toBeFalsy();
        return json<T>(r);
      };

      // sessions_list: the same sessions as GET /api/sessions.
      const listed = await call<{ items: SessionSummary[] }>('sessions_list', { limit: 100 });
      const viaApi = await api<{ items: SessionSummary[] }>('/api/sessions?limit=100');
      expect(listed.items.map((s) => s.id).sort()).toEqual(viaApi.items.map((s) => s.id).sort());

      // sessions_create with waitForPlan: progress notifications, then the session with its plan.
      const progress: Progress[] = [];
      const created = await call<{ waited: string; session: SessionDetail; plan: SessionActivity | null }>(
        'sessions_create',
        { prompt: `Add a CHANGELOG entry over ${kind} [sim:happy]`, title: `MCP ${kind}`, source: 'acme-corp/payments-api', startingBranch: 'main', requirePlanApproval: true, waitForPlan: true },
        (p) => progress.push(p),
      );
      expect(created.waited).toBe('plan');
      expect(created.plan?.kind).toBe('planGenerated');
      const id = created.session.id;
      const fresh = await api<SessionDetail>(`/api/sessions/${id}`);
      expect(fresh).toMatchObject({ title: `MCP ${kind}`, source: 'sources/github/acme-corp/payments-api', startingBranch: 'main', requirePlanApproval: true, state: 'AWAITING_PLAN_APPROVAL' });
      // 1 = created, 2 = planning, 3 = plan ready. The last one comes right before the result, and the SDK's client
      // drops a progress notification it reads in the same chunk as the result (it handles notifications a microtask
      // later, after the result removed the handler), so only those sent while the tool waited are certain to arrive.
      expect(progress.length).toBeGreaterThanOrEqual(2);
      expect(progress.slice(0, 2)).toMatchObject([{ progress: 1, total: 3, message: 'created' }, { progress: 2, total: 3 }]);
      expect(progress.map((p) => p.progress)).toEqual([...progress.map((p) => p.progress)].sort());
      // The simulator has it too (the orchestrator's mirror knows its Jules id).
      expect((await api<{ items: SessionSummary[] }>('/api/sessions?limit=100')).items.map((s) => s.id)).toContain(id);

      // sessions_get: the session, the keeper's state and the latest activities.
      const got = await call<{ session: SessionDetail; keeper: { sessionId: string; paused: boolean }; latestActivities: SessionActivity[] }>('sessions_get', { id, activities: 5 });
      expect(got.session).toMatchObject({ id, julesId: fresh.julesId, title: fresh.title });
      expect(got.keeper).toMatchObject({ sessionId: id, paused: false });
      expect(got.latestActivities.map((a) => a.kind)).toContain('planGenerated');

      // keeper_pause / keeper_resume: GET /api/sessions/{id}/keeper follows.
      expect((await call<{ paused: boolean }>('keeper_pause', { sessionId: id })).paused).toBe(true);
      expect((await api<{ paused: boolean }>(`/api/sessions/${id}/keeper`)).paused).toBe(true);
      expect((await call<{ paused: boolean }>('keeper_resume', { sessionId: id })).paused).toBe(false);
      expect((await api<{ paused: boolean }>(`/api/sessions/${id}/keeper`)).paused).toBe(false);

      // keeper_status: the API's settings, and the keeper's state of one session.
      const status = await call<{ settings: unknown; notifications: unknown[]; session: { sessionId: string } }>('keeper_status', { sessionId: id });
      expect(status.settings).toEqual(await api('/api/keeper/settings'));
      expect(status.session.sessionId).toBe(id);

      // sessions_approve_plan: the session moves on.
      await call('sessions_approve_plan', { id });
      await eventually(async () => (await api<SessionDetail>(`/api/sessions/${id}`)).state !== 'AWAITING_PLAN_APPROVAL');

      // sessions_send_message: Jules gets it (the activities show it).
      await eventually(async () => ['IN_PROGRESS', 'AWAITING_USER_FEEDBACK', 'COMPLETED'].includes((await api<SessionDetail>(`/api/sessions/${id}`)).state));
      const message = `Please also update the README (${kind})`;
      await call('sessions_send_message', { id, message });
      await eventually(async () => (await api<{ items: SessionActivity[] }>(`/api/sessions/${id}/activities?limit=500`)).items.some((a) => a.kind === 'userMessaged' && JSON.stringify(a.data).includes(message)));

      // The timeline resource: every activity, as the activities API has them.
      const templates = await c.listResourceTemplates();
      expect(templates.resourceTemplates.map((r) => r.uriTemplate)).toContain('autopilot://sessions/{id}/timeline');
      const resources = await c.listResources();
      expect(resources.resources.map((r) => r.uri)).toContain(`autopilot://sessions/${encodeURIComponent(id)}/timeline`);
      const read = await c.readResource({ uri: `autopilot://sessions/${encodeURIComponent(id)}/timeline` });
      const timeline = JSON.parse((read.contents[0] as { text: string }).text) as { sessionId: string; activities: SessionActivity[] };
      const activities = await api<{ items: SessionActivity[] }>(`/api/sessions/${id}/activities?limit=500`);
      expect(timeline.sessionId).toBe(id);
      expect(timeline.activities.map((a) => a.id).slice(0, activities.items.length)).toEqual(activities.items.map((a) => a.id));

      // sessions_archive.
      await call('sessions_archive', { id });
      await eventually(async () => (await api<SessionDetail>(`/api/sessions/${id}`)).archived);

      // templates_list and templates_launch (a batch through the dispatcher).
      const tl = await call<{ items: Array<{ id: string }> }>('templates_list');
      expect(tl.items.map((x) => x.id)).toEqual((await api<{ items: Array<{ id: string }> }>('/api/templates')).items.map((x) => x.id));
      const launched = await call<Batch>('templates_launch', { templateId, idempotencyKey: `mcp-launch-${kind}` });
      expect((await api<Batch>(`/api/batches/${launched.id}`)).templateId).toBe(templateId);

      // batches_create with wait: progress (items done of total), then the finished batch.
      const batchProgress: Progress[] = [];
      const batch = await call<Batch>('batches_create', { name: `MCP ${kind}`, tasks: 'Fix the typo [sim:happy]\nBump the version [sim:happy]', source: 'acme-corp/payments-api', branch: 'main', wait: true }, (p) => batchProgress.push(p));
      expect(batch.state).toBe('done');
      expect(batch.counts).toMatchObject({ total: 2, created: 2 });
      const batchViaApi = await api<Batch>(`/api/batches/${batch.id}`);
      expect(batchViaApi).toMatchObject({ name: `MCP ${kind}`, state: 'done' });
      expect(batchViaApi.items.map((i) => i.sessionId)).toEqual(batch.items.map((i) => i.sessionId));
      // The items start queued (0 of 2 while the dispatcher sends them); the final 2 of 2 may be dropped as above.
      expect(batchProgress.length).toBeGreaterThanOrEqual(1);
      expect(batchProgress[0]).toMatchObject({ progress: 0, total: 2 });
      expect(batchProgress.every((p) => p.total === 2)).toBe(true);

      // batches_list: the API's batches.
      const bl = await call<{ items: Array<{ id: string }> }>('batches_list', { limit: 100 });
      expect(bl.items.map((x) => x.id)).toEqual((await api<{ items: Array<{ id: string }> }>('/api/batches?limit=100')).items.map((x) => x.id));
      expect(bl.items.map((x) => x.id)).toEqual(expect.arrayContaining([batch.id, launched.id]));

      // costs_summary: the API's usage report for the same window.
      const window = { from: '2026-01-01', to: '2027-12-31' };
      const costs = await call<{ groupBy: string[]; totals: unknown }>('costs_summary', { ...window, groupBy: ['model', 'task'] });
      expect(costs).toEqual(await api(`/api/llm/usage?from=${window.from}&to=${window.to}&groupBy=model,task`));
    });

    it('a viewer key may read but a write tool fails with the API\'s reason', { timeout: 30_000 }, async () => {
      const v = await connect(kind, viewerKey);
      const listed = (await v.callTool({ name: 'sessions_list', arguments: { limit: 5 } })) as CallToolResult;
      expect(listed.isError).toBeFalsy();
      const refused = (await v.callTool({ name: 'sessions_create', arguments: { prompt: 'Not allowed' } })) as CallToolResult;
      expect(refused.isError).toBe(true);
      const rest = ErrorBody.parse(await (await t.request('/api/sessions', { method: 'POST', key: viewerKey, json: { prompt: 'Not allowed' } })).json());
      expect(rest.error.code).toBe('forbidden');
      expect(text(refused)).toBe(`forbidden: ${rest.error.message} [HTTP 403]`);
      const archive = (await v.callTool({ name: 'batches_create', arguments: { tasks: 'x', source: 'acme-corp/payments-api' } })) as CallToolResult;
      expect(archive.isError).toBe(true);
      expect(text(archive)).toMatch(/^forbidden: .*\[HTTP 403\]$/);
    });

    it('a bad argument is a tool error naming the field, never a crash', { timeout: 30_000 }, async () => {
      const bad = async (name: string, args: Record<string, unknown>) => {
        const r = (await c.callTool({ name, arguments: args })) as CallToolResult;
        expect(r.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
        return text(r);
      };
      // Caught by the tool's schema.
      expect(await bad('sessions_create', { prompt: '' })).toMatch(/prompt/);
      expect(await bad('sessions_list', { limit: 1000 })).toMatch(/limit/);
      expect(await bad('costs_summary', { groupBy: ['colour'] })).toMatch(/groupBy/);
      // Caught by the API (its 400 names the field).
      expect(await bad('sessions_create', { prompt: 'x', source: 'acme-corp/payments-api' })).toMatch(/^validation_failed: .*startingBranch: required when source is set.*\[HTTP 400\]$/);
      expect(await bad('sessions_create', { prompt: 'x', source: 'not a repo', startingBranch: 'main' })).toMatch(/source: must be a GitHub repository/);
      expect(await bad('costs_summary', { from: 'yesterday' })).toMatch(/from: /);
      // Caught by the tool itself.
      expect(await bad('batches_create', { prompt: 'x' })).toMatch(/sources: required with prompt/);
      expect(await bad('sessions_get', { id: 'does-not-exist' })).toMatch(/^not_found: .*\[HTTP 404\]$/);
      // The connection still works.
      expect(((await c.callTool({ name: 'sessions_list', arguments: { limit: 1 } })) as CallToolResult).isError).toBeFalsy();
    });
  });

  describe('the MCP Inspector CLI against `autopilot mcp`', () => {
    /** `mcp-inspector --cli node bin/autopilot.mjs mcp ...`; its JSON answer is on stdout. */
    const stdio = () => ['-e', `AUTOPILOT_URL=${t.orch.url}`, '-e', `AUTOPILOT_KEY=${ADMIN_KEY}`, process.execPath, bin, 'mcp'];
    const inspector = (args: string[], target = stdio()) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [path.join(root, 'node_modules/@modelcontextprotocol/inspector/cli/build/cli.js'), '--cli', ...target, ...args], {
          cwd: root,
          env: { PATH: process.env.PATH ?? '', HOME: t.dataDir },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.once('exit', (code) => resolve({ code, stdout, stderr }));
      });
    const answer = <T>(stdout: string): T => JSON.parse(stdout.slice(stdout.indexOf('{'), stdout.lastIndexOf('}') + 1)) as T;

    it('lists the tools and calls three of them over stdio and Streamable HTTP (results as the API has them)', { timeout: 90_000 }, async () => {
      const listed = await inspector(['--method', 'tools/list']);
      expect(listed.code, listed.stderr).toBe(0);
      expect(answer<{ tools: Array<{ name: string }> }>(listed.stdout).tools.map((x) => x.name).sort()).toEqual(TOOLS);

      const sessions = await inspector(['--method', 'tools/call', '--tool-name', 'sessions_list', '--tool-arg', 'limit=100']);
      expect(sessions.code, sessions.stderr).toBe(0);
      const result = answer<CallToolResult>(sessions.stdout);
      expect(result.isError).toBeFalsy();
      const ids = json<{ items: SessionSummary[] }>(result).items.map((s) => s.id).sort();
      expect(ids).toEqual((await api<{ items: SessionSummary[] }>('/api/sessions?limit=100')).items.map((s) => s.id).sort());

      const one = ids[0];
      const got = await inspector(['--method', 'tools/call', '--tool-name', 'sessions_get', '--tool-arg', `id=${one}`, 'activities=0']);
      expect(got.code, got.stderr).toBe(0);
      expect(json<{ session: SessionDetail }>(answer<CallToolResult>(got.stdout)).session.id).toBe(one);

      const bad = await inspector(['--method', 'tools/call', '--tool-name', 'sessions_get', '--tool-arg', 'id=does-not-exist']);
      const badResult = answer<CallToolResult>(bad.stdout);
      expect(badResult.isError).toBe(true);
      expect(text(badResult)).toMatch(/^not_found: /);

      // And over Streamable HTTP, with the key as a header.
      const http = [`${t.orch.url}/mcp`, '--transport', 'http', '--header', `Authorization: Bearer ${ADMIN_KEY}`];
      const overHttp = await inspector(['--method', 'tools/call', '--tool-name', 'templates_list'], http);
      expect(overHttp.code, overHttp.stderr).toBe(0);
      expect(json<{ items: Array<{ id: string }> }>(answer<CallToolResult>(overHttp.stdout)).items.map((x) => x.id)).toContain(templateId);
    });
  });
});
