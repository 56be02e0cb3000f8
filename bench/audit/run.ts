/**
 * The audit recorder's cost on the write path (issue #16). Every 2xx write to /api/* appends one entry: a
 * transaction that reads and locks the chain's head, hashes the canonical JSON, inserts the entry and moves the head.
 * Baseline, same run, same database: the same row inserted into a plain table with the same columns (the least any
 * durable record of a write costs). Also: verification speed (entries recomputed per second) against reading the
 * same rows without checking them. SQLite always; PostgreSQL when BENCH_DATABASE_URL or TEST_DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { createAuditStore } from '../../packages/server/src/features/audit/audit.store';
import { verifyChain } from '../../packages/server/src/features/audit/audit.chain';
import type { Figure } from '../run';
import { percentile, progress, round } from '../lib/stats';
import { startBenchOrchestrator } from '../lib/orchestrator';

const draft = (i: number) => ({
  actor: { kind: 'key' as const, id: 'key_bench', name: 'bench' },
  action: 'templatesCreate',
  target: { kind: 'templates', id: `tpl_${i}` },
  before: null,
  after: { name: `Template ${i}`, prompt: 'Fix the flaky test in packages/server and add a regression test', tags: ['ops', 'nightly'] },
  requestId: `req_${i}`,
});

async function admin(url: string, q: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(q);
  } finally {
    await c.end();
  }
}

async function measure(engine: 'sqlite' | 'postgres', n: number): Promise<Figure[]> {
  const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  let env: Record<string, string> = {};
  let drop = async () => {};
  if (engine === 'postgres') {
    const name = `autopilot_bench_${randomBytes(4).toString('hex')}`;
    await admin(pgUrl!, `create database ${name}`);
    const u = new URL(pgUrl!);
    u.pathname = `/${name}`;
    env = { DATABASE_URL: u.toString() };
    drop = () => admin(pgUrl!, `drop database if exists ${name} with (force)`);
  }
  const { orch, close } = await startBenchOrchestrator(env);
  try {
    const k = orch.db.kysely;
    const store = createAuditStore(orch.db);
    const ws = (await k.selectFrom('workspaces').select('id').orderBy('created_at').executeTakeFirstOrThrow()).id;
    await sql`create table bench_plain (workspace_id text not null, seq integer not null, at text not null, actor_kind text not null, actor_id text not null, actor_name text not null, action text not null, target_kind text, target_id text, before_json text, after_json text, request_id text, prev_hash text not null, hash text not null, primary key (workspace_id, seq))`.execute(k);
    const plain: number[] = [];
    const audited: number[] = [];
    // Interleaved, one of each per round, so both see the same machine and the same table sizes.
    for (let i = 0; i < n; i++) {
      const d = draft(i);
      let t0 = performance.now();
      await k.insertInto('bench_plain' as never).values({
        workspace_id: ws, seq: i, at: new Date().toISOString(), actor_kind: d.actor.kind, actor_id: d.actor.id, actor_name: d.actor.name, action: d.action,
        target_kind: d.target.kind, target_id: d.target.id, before_json: null, after_json: JSON.stringify(d.after), request_id: d.requestId, prev_hash: '0'.repeat(64), hash: '0'.repeat(64),
      } as never).execute();
      plain.push(performance.now() - t0);
      t0 = performance.now();
      await store.append(ws, new Date().toISOString(), [d]);
      audited.push(performance.now() - t0);
      progress(`audit ${engine} appends`, i + 1, n);
    }
    const anchor = await store.anchor(ws);
    let t0 = performance.now();
    const result = await verifyChain({ workspaceId: ws, firstSeq: anchor.firstSeq, firstPrevHash: anchor.prevHash, entries: store.entries(ws), checkpoints: [], head: await store.head(ws) });
    const verifyMs = performance.now() - t0;
    if (!result.ok) throw new Error(`the bench chain does not verify: ${result.message}`);
    t0 = performance.now();
    let read = 0;
    for await (const _ of store.entries(ws)) read++;
    const readMs = performance.now() - t0;
    const size = result.size;
    return [
      { name: `${engine}: audit append p50 (one entry, head lock + hash + insert + head update)`, value: round(percentile(audited, 50)), unit: 'ms', baseline: round(percentile(plain, 50)), note: 'baseline = the same row inserted into a plain table, interleaved' },
      { name: `${engine}: audit append p99`, value: round(percentile(audited, 99)), unit: 'ms', baseline: round(percentile(plain, 99)) },
      { name: `${engine}: verify, entries per second (${size} entries)`, value: round(size / (verifyMs / 1000), 0), unit: 'entries/s', baseline: round(read / (readMs / 1000), 0), note: 'baseline = reading the same entries without checking them' },
    ];
  } finally {
    await close();
    await drop();
  }
}

export async function run({ quick }: { quick: boolean }): Promise<Figure[]> {
  const n = quick ? 300 : 2000;
  const figures = await measure('sqlite', n);
  if (process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL) figures.push(...(await measure('postgres', n)));
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run({ quick: process.argv.includes('--quick') }));
