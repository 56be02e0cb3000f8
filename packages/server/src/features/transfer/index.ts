import type { Clock } from '../../platform/clock';
import type { SecretBox } from '../../platform/crypto';
import type { Db } from '../../platform/db';
import type { Feature } from '../../platform/feature';
import type { Logger } from '../../platform/logger';
import { createTransferStore } from './transfer.store';
import { createTransferService, type TransferService } from './transfer.service';
import { registerTransferRoutes } from './transfer.routes';

export type { TransferService } from './transfer.service';

/** Export and import of a workspace (issue #16; README.md): no loops, no jobs. */
export function createTransferFeature(deps: { db: Db; secrets: SecretBox; clock: Clock; log: Logger }): Feature<TransferService> {
  const service = createTransferService({ store: createTransferStore(deps.db), secrets: deps.secrets, clock: deps.clock, log: deps.log });
  return { service, loops: [], routes: (app) => registerTransferRoutes(app, { service }) };
}
