import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Health } from '@autopilot/contracts';
import { startTestOrchestrator, type TestOrchestrator } from './harness';

describe('operations endpoints', () => {
  let t: TestOrchestrator;
  beforeAll(async () => {
    t = await startTestOrchestrator();
  });
  afterAll(async () => t?.close());

  it('GET /healthz answers without a key', async () => {
    const res = await t.request('/healthz', { key: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /api/health reports database and queue with latencies', async () => {
    const h = Health.parse(await (await t.request('/api/health')).json());
    expect(h.mode.database).toBe('sqlite');
    expect(h.mode.queue).toBe('embedded');
    const db = h.components.find((c) => c.name === 'database')!;
    expect(db.status).toBe('ok');
    expect(db.latencyMs).toBeGreaterThanOrEqual(0);
    expect(h.components.find((c) => c.name === 'queue')?.status).toBe('ok');
  });

  it('GET /metrics exposes the HTTP histogram by route pattern, queue depth and event-loop lag', async () => {
    await t.request('/api/keys/some-id', { method: 'DELETE' });
    const text = await (await t.request('/metrics', { key: null })).text();
    expect(text).toContain('autopilot_http_request_duration_seconds_bucket');
    expect(text).toMatch(/route="\/api\/keys\/:id"/);
    expect(text).not.toContain('some-id');
    expect(text).toContain('autopilot_queue_jobs');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('writes the SQLite file and the master key under DATA_DIR', () => {
    expect(fs.existsSync(path.join(t.dataDir, 'autopilot.db'))).toBe(true);
    expect(fs.statSync(path.join(t.dataDir, 'master.key')).mode & 0o777).toBe(0o600);
  });

  it('serves the OpenAPI 3.1 document and the interactive reference', async () => {
    const doc = await (await t.request('/api/openapi.json', { key: null })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/me']).toBeDefined();
    expect(doc.components.securitySchemes.Bearer.scheme).toBe('bearer');
    const html = await (await t.request('/api/docs', { key: null })).text();
    expect(html).toContain('swagger-ui-bundle.js');
    const js = await t.request('/api/docs/assets/swagger-ui-bundle.js', { key: null });
    expect(js.status).toBe(200);
  });

  it('answers unknown routes and unknown API paths with the error shape', async () => {
    const res = await t.request('/api/nope');
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('not_found');
  });
});
