import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Config } from './config';
import type { Logger } from './logger';
import { systemClock, type Clock } from './clock';
import { createSecretBox, loadOrCreateMasterKey, type SecretBox } from './crypto';
import { openDatabase, type Db } from './db';
import { createMemoryBus, type EventBus } from './events/bus';
import { createRedisBus } from './events/redis-bus';
import { createMetrics, type Metrics } from './metrics';
import { createOutbound, type Outbound } from './outbound';
import { createQueue } from './queue';
import type { JobCatalog, JobQueue } from './queue/port';

/** What every feature is built on: one of each per process, created from the config by {@link createPlatform}. */
export interface Platform<C extends JobCatalog> {
  clock: Clock;
  /** This process among the instances sharing the database (INSTANCE_ID, else pid + random). */
  instanceId: string;
  /** The master key (secrets at rest, key HMACs) and the box sealing secrets with it. */
  masterKey: Buffer;
  secrets: SecretBox;
  db: Db;
  bus: EventBus;
  queue: JobQueue<C>;
  metrics: Metrics;
  /** Every request to a URL a user supplied leaves through this guard; the operator's own URLs use `.trusted`. */
  outbound: Outbound;
  /** A Redis client shared by instance-wide counters (the auth throttle), when REDIS_URL is set. */
  redis?: Redis;
  /**
   * Closes the bus, Redis, the database and the outbound pools, in that order: the last step of a graceful stop,
   * after features, loops and the queue (which the caller closes with its own deadline) are done with them.
   */
  close(): Promise<void>;
}

/** Data directory, master key, database (migrated), event bus, job queue, metrics, outbound guard and Redis. */
export async function createPlatform<C extends JobCatalog>(config: Config, log: Logger, catalog: C): Promise<Platform<C>> {
  const clock = systemClock;
  const instanceId = config.INSTANCE_ID ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  fs.mkdirSync(config.dataDir, { recursive: true });

  const master = loadOrCreateMasterKey(config.AUTOPILOT_MASTER_KEY, config.dataDir);
  if (master.source === 'generated') log.info({ file: path.join(config.dataDir, 'master.key') }, 'generated a new master key for secrets at rest');
  if (master.source !== 'config' && config.database.kind === 'postgres') {
    log.warn('DATABASE_URL is set but AUTOPILOT_MASTER_KEY is not: every instance must share the same master key');
  }
  const secrets = createSecretBox(master.key);

  const db = await openDatabase(config.database, log);
  const bus = config.events.kind === 'redis' ? await createRedisBus({ url: config.events.redisUrl, channel: config.events.channel, log }) : createMemoryBus({ log });
  const queue = createQueue<C>(
    config.queue.kind === 'bullmq'
      ? { kind: 'bullmq', redisUrl: config.queue.redisUrl, prefix: config.queue.prefix, catalog, log }
      : { kind: 'embedded', db, catalog, log, clock, instanceId },
  );
  const metrics = createMetrics();
  metrics.gauge('autopilot_queue_jobs', 'Jobs by state', ['state'], async (g) => {
    const counts = await queue.counts().catch(() => null);
    if (counts) for (const [state, n] of Object.entries(counts)) g.set({ state }, n as number);
  });
  const redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false }) : undefined;
  redis?.on('error', (err) => log.debug({ err }, 'auth throttle redis error'));
  const outbound = createOutbound({ allow: config.AUTOPILOT_OUTBOUND_ALLOW, log: log.child({ component: 'outbound' }) });

  return {
    clock, instanceId, masterKey: master.key, secrets, db, bus, queue, metrics, outbound, redis,
    async close() {
      await bus.close();
      redis?.disconnect();
      await db.close();
      await outbound.close();
    },
  };
}
