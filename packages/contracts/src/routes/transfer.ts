import { declareRoutes } from './define';

/** Export and import of a workspace (issue #16). */
export const transfer = declareRoutes({});
