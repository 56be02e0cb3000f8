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
