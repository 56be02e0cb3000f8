import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createQueue, defineJobs } from './index';
import { runQueueContract } from './test/contract';
import { obliterateBullmq } from './test/harness';

const redisUrl = process.env.TEST_REDIS_URL;
// With CI=true a missing TEST_REDIS_URL fails this file; elsewhere the Redis suite is simply not registered.
if (process.env.CI === 'true' && !redisUrl) throw new Error('CI=true requires TEST_REDIS_URL');

if (redisUrl) {
  runQueueContract('bullmq', async () => {
    const prefix = `autopilot-test-${randomBytes(6).toString('hex')}`;
    return { target: { kind: 'bullmq', redisUrl, prefix }, cleanup: () => obliterateBullmq(redisUrl, prefix) };
  });
}

describe('bullmq adapter configuration', () => {
  it('rejects job names BullMQ cannot use as queue names, before connecting', () => {
    const catalog = defineJobs({ 'bad:name': { payload: z.object({}) } });
    expect(() => createQueue({ kind: 'bullmq', redisUrl: 'redis://127.0.0.1:1', catalog })).toThrow(/may not contain ":"/);
  });
});
