import type { Feature } from '../../platform/feature';
import { registerMcpRoutes } from './mcp.routes';

export { createAutopilotMcpServer, timelineUri } from './mcp.tools';

/**
 * The MCP server over Streamable HTTP at /mcp (the stdio transport is `autopilot mcp`, cli/mcp.ts). It has no state
 * of its own and reaches the orchestrator only through its API, in process, as the caller (README.md).
 */
export function createMcpFeature(opts: { pollMs?: number } = {}): Feature<Record<string, never>> {
  return { service: {}, loops: [], routes: (app) => registerMcpRoutes(app, opts) };
}
