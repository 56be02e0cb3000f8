import type { ApiApp } from '../../platform/http/types';
import type { Loop } from '../../platform/loops';
import type { HooksFeatureDeps, RuleRunner } from './hooks.types';

export interface HooksService {
  /** Runs queued deliveries whose processing lease expired (a crashed instance's); returns how many. */
  processPending(): Promise<number>;
}

/** Placeholder (issue #15 in progress). */
export function createHooksService(deps: HooksFeatureDeps, runner: RuleRunner): { service: HooksService; register(app: ApiApp): void; loops: Loop[] } {
  void deps;
  void runner;
  return { service: { processPending: async () => 0 }, register: () => {}, loops: [] };
}
