import { declareRoutes } from './define';

/** The audit trail (issue #16): entries, verification, signed checkpoints. */
export const audit = declareRoutes({});
