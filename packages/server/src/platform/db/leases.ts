import type { Clock } from '../clock';
import type { Db } from './index';

/**
 * Time-limited leases in the `leases` table: how several instances agree that exactly one of them runs a loop
 * (the sync of an account, the keeper of a workspace). A holder renews by calling `tryLease` again before its
 * lease expires; a crashed holder's lease simply runs out and the next caller takes it.
 */
export function createLeases(db: Db) {
  const k = db.kysely;
  return {
    /** True when `holder` holds `name` now (taken, renewed, or taken over from an expired holder). */
    async tryLease(name: string, holder: string, nowMs: number, ttlMs: number): Promise<boolean> {
      await k
        .insertInto('leases')
        .values({ name, holder, expires_at: nowMs + ttlMs })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet({ holder, expires_at: nowMs + ttlMs })
            .where((eb) => eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<', nowMs)])),
        )
        .execute();
      const row = await k.selectFrom('leases').select('holder').where('name', '=', name).executeTakeFirst();
      return row?.holder === holder;
    },
    /** Gives the lease up at once (graceful shutdown), so another instance need not wait for it to expire. */
    releaseLease: (name: string, holder: string) => k.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute(),
  };
}
export type Leases = ReturnType<typeof createLeases>;

/** One named lease as its holder sees it: `hold()` takes or renews it for `ttlMs` from the clock's now. */
export interface Lease {
  readonly name: string;
  /** True when this holder holds the lease now (taken, renewed, or taken over from an expired holder). */
  hold(): Promise<boolean>;
  /** Gives the lease up (errors are swallowed: an unreleased lease simply expires). */
  release(): Promise<void>;
}

export interface LeaseOptions {
  name: string;
  /** Who holds it: the instance id. */
  holder: string;
  clock: Pick<Clock, 'now'>;
  /** How long a hold lasts without renewal; read at each hold (a loop whose interval changes renews accordingly). */
  ttlMs: number | (() => number);
}

/** A lease on `leases` (a store that spreads {@link createLeases}, or createLeases(db) itself). */
export function createLease(leases: Pick<Leases, 'tryLease' | 'releaseLease'>, o: LeaseOptions): Lease {
  const ttl = () => (typeof o.ttlMs === 'function' ? o.ttlMs() : o.ttlMs);
  return {
    name: o.name,
    hold: () => leases.tryLease(o.name, o.holder, o.clock.now(), ttl()),
    release: async () => {
      await leases.releaseLease(o.name, o.holder).catch(() => undefined);
    },
  };
}

/** Leases expired longer than this belong to instances that are gone. */
export const STALE_LEASE_MS = 60 * 60_000;

/** Drops the rows of leases expired for longer than {@link STALE_LEASE_MS} (housekeeping); returns how many. */
export async function expireStaleLeases(db: Db, nowMs: number): Promise<number> {
  const r = await db.kysely.deleteFrom('leases').where('expires_at', '<', nowMs - STALE_LEASE_MS).executeTakeFirst();
  return Number(r.numDeletedRows);
}
