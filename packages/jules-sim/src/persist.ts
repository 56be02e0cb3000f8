import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { EngineSnapshot } from './engine.ts';
import type { PlanLimits } from './plan.ts';

/**
 * Snapshots of a simulator's worlds on disk, so a demo keeps its sessions across restarts (the orchestrator's
 * demo mode keeps one in DATA_DIR). A snapshot is versioned JSON, written atomically (a temporary file, fsync,
 * rename); one that cannot be read is moved aside with a warning and the caller starts a fresh world.
 */
export const SNAPSHOT_FORMAT = 'jules-sim-snapshot';
/** Version 2 added each world's plan and create window; version 1 files still load (no plan, empty window). */
export const SNAPSHOT_VERSION = 2;

export interface WorldSnapshot {
  /** The API key owning the world (`worldPerKey`); null = the shared world. */
  key: string | null;
  engine: EngineSnapshot;
  createsByDay: [string, number][];
  /** The world's plan limits (null = none; absent in version 1). */
  plan?: PlanLimits | null;
  /** Sim epoch ms of the accepted creates in the rolling 24 h window, oldest first (absent in version 1). */
  createWindow?: number[];
}

export interface SimSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  /** Written as {@link SNAPSHOT_VERSION}; 1 is read too. */
  version: 1 | typeof SNAPSHOT_VERSION;
  /** Real time of the snapshot (ISO). */
  savedAt: string;
  /** Sim time of the snapshot, epoch ms: restored scheduled events keep their distance from it. */
  simNowMs: number;
  /** The simulator's numeric seed, so sessions created after a restore keep drawing from the same streams. */
  seed: number;
  worlds: WorldSnapshot[];
}

const int = z.number().int();
const num = z.number().finite();
const Session = z.looseObject({
  id: z.string().min(1),
  seed: int,
  prompt: z.string(),
  title: z.string(),
  createUs: num,
  updateUs: num,
  state: z.string(),
  archived: z.boolean(),
  deleted: z.boolean(),
  activities: z.array(z.looseObject({ n: int, t: num, kind: z.string(), originator: z.string() })),
  agent: z.looseObject({ behaviour: z.string(), rng: int, phase: z.string(), gen: int, planSteps: z.array(z.unknown()), followUps: z.array(z.unknown()) }),
  admitted: z.boolean(),
  topic: z.looseObject({ kind: z.string(), subject: z.string(), slug: z.string(), name: z.string() }),
});
const Snapshot = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  version: z.union([z.literal(1), z.literal(SNAPSHOT_VERSION)]),
  savedAt: z.string(),
  simNowMs: num,
  seed: int,
  worlds: z.array(z.object({
    key: z.string().nullable(),
    createsByDay: z.array(z.tuple([z.string(), int])),
    plan: z.strictObject({ name: z.enum(['free', 'pro', 'ultra', 'custom']), concurrent: int.min(0), daily: int.min(0) }).nullable().optional(),
    createWindow: z.array(num).optional(),
    engine: z.object({
      seed: int,
      rng: int,
      serial: int,
      prNumbers: z.array(z.tuple([z.string(), int])),
      waiting: z.array(z.string()),
      sessions: z.array(Session),
      events: z.array(z.object({ at: num, sessionId: z.string(), gen: int })),
    }),
  })).min(1),
});

/** Checks a parsed snapshot's shape; throws with a readable reason when it is not one this version reads. */
export function parseSnapshot(data: unknown): SimSnapshot {
  const r = Snapshot.safeParse(data);
  if (!r.success) throw new Error(`not a ${SNAPSHOT_FORMAT} version 1 or ${SNAPSHOT_VERSION}: ${z.prettifyError(r.error).split('\n').slice(0, 3).join('; ')}`);
  // The schema checks what restoring relies on; the records' other fields travel as they were written.
  return data as SimSnapshot;
}

export type LoadResult =
  | { status: 'missing' }
  | { status: 'loaded'; snapshot: SimSnapshot }
  /** The file could not be read as a snapshot: it was moved to `movedTo`. */
  | { status: 'corrupt'; reason: string; movedTo: string };

/** Reads the snapshot at `file`. A file that is not a readable snapshot is renamed aside (`.corrupt-<time>`). */
export function loadSnapshot(file: string): LoadResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    throw err;
  }
  try {
    return { status: 'loaded', snapshot: parseSnapshot(JSON.parse(text)) };
  } catch (err) {
    const movedTo = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    fs.renameSync(file, movedTo);
    return { status: 'corrupt', reason: (err as Error).message, movedTo };
  }
}

let tmpSerial = 0;

/** Writes `text` to `file` atomically: a temporary file beside it, flushed to disk, then renamed over it. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${++tmpSerial}.tmp`;
  const fh = await fs.promises.open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}

/** What {@link persistSimulator} needs of a simulator. */
export interface Snapshotting {
  snapshot(): SimSnapshot;
  onMutation(listener: () => void): () => void;
}

export interface PersistOptions {
  file: string;
  /** How often the world is checked for changes and written when it changed (default 5 s). */
  intervalMs?: number;
  /** A write follows an API change (create, message, approve...) after this quiet time (default 500 ms). */
  debounceMs?: number;
  /** A failed write (the next one retries). */
  onError?: (err: unknown) => void;
}

export interface Persister {
  /** Writes now if anything changed since the last write; resolves once written. */
  flush(): Promise<void>;
  /** Stops the timers and writes a last snapshot. */
  close(): Promise<void>;
}

/**
 * Keeps `file` up to date with the simulator's worlds: after API changes (debounced), on a timer (agents move on
 * between requests), and on close. Unchanged worlds are not written again.
 */
export function persistSimulator(sim: Snapshotting, o: PersistOptions): Persister {
  let lastWorlds = '';
  let chain: Promise<void> = Promise.resolve();
  let debounce: NodeJS.Timeout | undefined;
  let closed = false;

  /** What the last check cost (snapshot + serialise + write): a big world is checked less often. */
  let lastCostMs = 0;
  let lastAt = 0;
  const write = (force: boolean): Promise<void> => {
    chain = chain.then(async () => {
      const started = Date.now();
      const { worlds, ...head } = sim.snapshot();
      const text = JSON.stringify(worlds);
      if (force || text !== lastWorlds) {
        // The worlds are serialised once: for the comparison and inside the file.
        await writeFileAtomic(o.file, `${JSON.stringify(head).slice(0, -1)},"worlds":${text}}`);
        lastWorlds = text;
      }
      lastAt = Date.now();
      lastCostMs = lastAt - started;
    }).catch((err) => o.onError?.(err));
    return chain;
  };

  const timer = setInterval(() => {
    // At most about 5% of the time goes to checking (a world of 100,000 sessions takes a while to serialise).
    if (Date.now() - lastAt >= lastCostMs * 20) void write(false);
  }, o.intervalMs ?? 5000);
  timer.unref();
  const unsubscribe = sim.onMutation(() => {
    if (closed) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => void write(false), o.debounceMs ?? 500);
    debounce.unref();
  });
  return {
    flush: () => write(false),
    async close() {
      if (closed) return chain;
      closed = true;
      clearInterval(timer);
      clearTimeout(debounce);
      unsubscribe();
      // Forced: the last snapshot carries the exact sim time the scheduled events are measured from.
      return write(true);
    },
  };
}
