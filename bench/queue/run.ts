/**
 * Embedded queue (SQLite) against BullMQ on Redis, in the same run: throughput (jobs/s) and add-to-start latency
 * p50/p99. Needs Redis (BENCH_REDIS_URL or TEST_REDIS_URL, default redis://127.0.0.1:6379).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { Redis } from 'ioredis';
import { openDatabase } from '../../packages/server/src/platform/db';
import { createQueue, defineJobs, type JobQueue } from '../../packages/server/src/platform/queue';
import { percentile, round } from '../lib/stats';

const catalog = defineJobs({ 'bench.job': { payload: z.object({ t: z.number() }), attempts: 1, timeoutMs: 10_000, concurrency: 8 } });

async function measure(queue: JobQueue<typeof catalog>, n: number) {
  const latencies: number[] = [];
  let done = 0;
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  queue.handle('bench.job', async (p) => {
    latencies.push(performance.now() + performance.timeOrigin - p.t);
    if (++done === n) finish();
  });
  await queue.start();
  const start = performance.now();
  for (let i = 0; i < n; i++) await queue.enqueue('bench.job', { t: performance.now() + performance.timeOrigin });
  await all;
  const seconds = (performance.now() - start) / 1000;
  await queue.stop({ timeoutMs: 5000 });
  return { jobsPerSecond: n / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

export async function run({ quick }: { quick: boolean }) {
  const n = quick ? 500 : 3000;
  const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-queue-'));
  const db = await openDatabase({ kind: 'sqlite', file: path.join(dir, 'q.db') });
  const embedded = await measure(createQueue({ kind: 'embedded', db, catalog, pollMs: 50 }), n);
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });

  const prefix = `bench-${Date.now()}`;
  const bull = await measure(createQueue({ kind: 'bullmq', redisUrl, prefix, catalog }), n);
  const r = new Redis(redisUrl);
  const keys = await r.keys(`${prefix}:*`);
  if (keys.length) await r.del(...keys);
  await r.quit();

  return [
    { name: `embedded queue throughput (${n} jobs)`, value: round(embedded.jobsPerSecond, 1), unit: 'jobs/s', baseline: round(bull.jobsPerSecond, 1), note: 'baseline = BullMQ on Redis' },
    { name: 'embedded queue add-to-start p50', value: round(embedded.p50), unit: 'ms', baseline: round(bull.p50) },
    { name: 'embedded queue add-to-start p99', value: round(embedded.p99), unit: 'ms', baseline: round(bull.p99) },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run({ quick: process.argv.includes('--quick') }));
