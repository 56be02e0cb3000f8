import { createRequire } from 'node:module';

/** The product version, from the root package.json. */
export const VERSION: string = (createRequire(import.meta.url)('../../../../package.json') as { version: string }).version;
