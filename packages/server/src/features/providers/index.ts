import type { Clock } from '../../platform/clock';
import type { Config } from '../../platform/config';
import type { SecretBox } from '../../platform/crypto';
import type { Db } from '../../platform/db';
import type { Feature } from '../../platform/feature';
import type { ApiApp } from '../../platform/http/types';
import type { Logger } from '../../platform/logger';
import type { Outbound } from '../../platform/outbound';
import { createProvidersStore } from './providers.store';
import { createProvidersService, type ProvidersService, type ProviderSeed } from './providers.service';
import { registerProvidersRoutes, type ProvidersRoutesDeps } from './providers.routes';

export type { ProvidersService, ResolvedProvider, ProviderSeed } from './providers.service';

export interface ProvidersFeatureDeps {
  db: Db;
  secrets: SecretBox;
  clock: Clock;
  log: Logger;
  /** Checks user-supplied base URLs (platform/outbound). */
  outbound: Pick<Outbound, 'check'>;
}

/** What the provider test route needs of the gateway (the llm feature's service has it). */
export interface ProviderTester {
  testProvider: ProvidersRoutesDeps['test'];
}

/**
 * LLM provider configs (keys sealed). Its routes need the gateway to test a provider, and the gateway needs this
 * service: the gateway is created after it and handed to `routes`, and it follows changes through `onChanged`.
 */
export interface ProvidersFeature extends Omit<Feature<ProvidersService>, 'routes'> {
  routes(app: ApiApp, gateway: ProviderTester): void;
}

export function createProvidersFeature(deps: ProvidersFeatureDeps): ProvidersFeature {
  const service = createProvidersService({ store: createProvidersStore(deps.db), secrets: deps.secrets, clock: deps.clock, log: deps.log, outbound: deps.outbound });
  return {
    service,
    loops: [],
    routes: (app, gateway) => registerProvidersRoutes(app, { service, test: (ws, id, model) => gateway.testProvider(ws, id, model) }),
  };
}

/** The providers the environment configures (OPENAI_API_KEY ...), seeded into the default workspace at start. */
export function providerSeeds(config: Config): ProviderSeed[] {
  return [
    ...(config.OPENAI_API_KEY ? [{ kind: 'openai' as const, apiKey: config.OPENAI_API_KEY, baseUrl: config.OPENAI_BASE_URL }] : []),
    ...(config.ANTHROPIC_API_KEY ? [{ kind: 'anthropic' as const, apiKey: config.ANTHROPIC_API_KEY, baseUrl: config.ANTHROPIC_BASE_URL }] : []),
    ...(config.GEMINI_API_KEY ? [{ kind: 'gemini' as const, apiKey: config.GEMINI_API_KEY, baseUrl: config.GEMINI_BASE_URL }] : []),
  ];
}
