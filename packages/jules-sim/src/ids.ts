import type { Rng } from './rng.ts';
import { mixSeed, createRng } from './rng.ts';

/**
 * Session ids look like the live ones: 19 or 20 decimal digits, never starting with 0.
 */
export function sessionIdFrom(rng: Rng): string {
  const length = rng.chance(0.5) ? 19 : 20;
  let id = String(rng.int(1, 9));
  while (id.length < length) id += String(rng.int(0, 9));
  return id;
}

/** Activity ids are 32 hex characters, derived from the session's seed and the activity's index. */
export function activityIdFor(sessionSeed: number, index: number): string {
  return createRng(mixSeed(sessionSeed, 0xac71, index)).hex(32);
}

/** A 40-hex git commit id, stable per session. */
export function commitIdFor(sessionSeed: number): string {
  return createRng(mixSeed(sessionSeed, 0xc0ffee)).hex(40);
}

/** Plan and plan-step ids: short opaque strings, as the live service uses. */
export function planIdFor(sessionSeed: number, revision: number): string {
  return createRng(mixSeed(sessionSeed, 0x91a2, revision)).hex(16);
}
