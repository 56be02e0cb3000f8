import { batches } from './batches';
import { channels } from './channels';
import { budgets } from './budgets';
import { dispatch } from './dispatch';
import { events } from './events';
import { github } from './github';
import { hooks } from './hooks';
import { inbox } from './inbox';
import { keeper } from './keeper';
import { llm } from './llm';
import { providers } from './providers';
import { pulls } from './pulls';
import { routing } from './routing';
import { schedules } from './schedules';
import { sessions } from './sessions';
import { system } from './system';
import { templates } from './templates';
import { workspaces } from './workspaces';
import { people } from './people';
import { audit } from './audit';
import { transfer } from './transfer';

import { assignOperationIds } from './define';

export * from './define';

/** Every API route, by feature: the server registers exactly these, the client calls exactly these. */
export const routes = { workspaces, system, events, sessions, keeper, providers, budgets, routing, llm, schedules, templates, dispatch, batches, github, pulls, hooks, inbox, channels, people, audit, transfer } as const;
export type Routes = typeof routes;

// operationId = feature + declaration key (`sessionsList`, `keeperUpdateSettings`), unique (throws otherwise).
assignOperationIds(routes);
