import { SimEngine, type EngineOptions } from './engine.ts';
import { hashString, mixSeed } from './rng.ts';
import { CreateWindow, type PlanLimits } from './plan.ts';

/** One world: the sessions an API key sees, with its own daily create counter. */
export interface World {
  engine: SimEngine;
  createsByDay: Map<string, number>;
  /** Plan limits of the account this world models; undefined = no limits (the default). */
  plan: PlanLimits | undefined;
  /** Accepted API creates of the last 24 h (always counted, so a plan set at run time sees the day so far). */
  window: CreateWindow;
  /** API creates of this world being handled right now (the parallel-create fault looks at it). */
  inFlight: number;
}

/**
 * The worlds of a simulator. By default there is one, shared by every API key (the live API's view of one
 * Google account). With `perKey`, each accepted key gets its own world, seeded from the simulator's seed and
 * the key, so several accounts see distinct but reproducible sessions. Worlds are built on first use; the
 * `populate` callback pre-creates their sessions at that moment.
 */
export class Worlds {
  readonly shared: World;
  private readonly byKey = new Map<string, World>();
  /** The plan new worlds get (`plan` option, or the last plan set for every world). */
  defaultPlan: PlanLimits | undefined;

  constructor(
    private readonly opts: EngineOptions,
    readonly perKey: boolean,
    private readonly populate: (w: World) => void,
  ) {
    this.shared = this.build(opts.seed);
  }

  /** The world a request with this (already accepted) key works in. */
  forKey(key: string | undefined): World {
    if (!this.perKey || !key) return this.shared;
    let w = this.byKey.get(key);
    if (!w) {
      // The key, not the order keys arrive in, picks the seed: the same key always gets the same sessions.
      w = this.build(mixSeed(this.opts.seed, hashString(key)));
      this.byKey.set(key, w);
      this.populate(w);
    }
    return w;
  }

  /** A key's world built empty, without populating it (a snapshot fills it). */
  adopt(key: string): World {
    const w = this.build(mixSeed(this.opts.seed, hashString(key)));
    this.byKey.set(key, w);
    return w;
  }

  /** Every world built so far, the shared one first. */
  all(): World[] {
    return [this.shared, ...this.byKey.values()];
  }

  /** The key a world belongs to (undefined for the shared one). */
  keyOf(w: World): string | undefined {
    for (const [k, v] of this.byKey) if (v === w) return k;
    return undefined;
  }

  /** The world holding a session id, if any. */
  holding(id: string): World | undefined {
    return this.all().find((w) => w.engine.store.byId.has(id));
  }

  /** Drops every per-key world and empties the shared one (the caller repopulates). */
  clear(): void {
    this.byKey.clear();
    this.shared.engine.clear();
    this.shared.createsByDay.clear();
    this.shared.window = new CreateWindow();
    this.shared.inFlight = 0;
    this.shared.plan = this.defaultPlan;
  }

  private build(seed: number): World {
    return { engine: new SimEngine({ ...this.opts, seed }), createsByDay: new Map(), plan: this.defaultPlan, window: new CreateWindow(), inFlight: 0 };
  }
}
