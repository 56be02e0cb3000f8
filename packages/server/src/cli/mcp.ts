import { Command, Option } from 'commander';
import { connect, run, type ConnectionOptions } from './common';

/**
 * `autopilot mcp`: the MCP server over stdio, for an agent or IDE that starts it as a command (Claude Desktop,
 * JetBrains AI Assistant, ...). It talks to the orchestrator through the API client, with the connection of every
 * other command (--url/--key, AUTOPILOT_URL/AUTOPILOT_KEY, the saved profile), so the key's role and scopes apply.
 * stdout carries MCP JSON-RPC only; anything else (a failure to start) goes to stderr.
 */
export function mcpCommand(): Command {
  return new Command('mcp')
    .description('the MCP server over stdio (tools and resources for agents and IDEs; see features/mcp/README.md)')
    .addOption(new Option('--url <url>', 'orchestrator URL (default: $AUTOPILOT_URL, the profile, or http://127.0.0.1:8080)'))
    .addOption(new Option('--key <key>', 'API key (default: $AUTOPILOT_KEY, or the profile\'s)'))
    .addOption(new Option('--profile <name>', 'profile saved by `autopilot login` (default: $AUTOPILOT_PROFILE or the current one)'))
    .addHelpText('after', '\nExample (an MCP client\'s config): { "command": "npx", "args": ["autopilot", "mcp"], "env": { "AUTOPILOT_URL": "http://127.0.0.1:8080", "AUTOPILOT_KEY": "ap_..." } }')
    .action(
      run(async (o: ConnectionOptions) => {
        const { client, url } = await connect(o);
        // A wrong key is refused at start (stderr, exit 1), so the MCP client shows why; an orchestrator that is
        // not up yet is not: the tools say so per call until it is.
        await client.me().catch((err: { name?: string; code?: string }) => {
          if (err?.name === 'ApiError' && err.code === 'network_error') process.stderr.write(`autopilot mcp: ${url} does not answer yet; serving anyway\n`);
          else throw err;
        });
        const [{ StdioServerTransport }, { createAutopilotMcpServer }] = await Promise.all([import('@modelcontextprotocol/sdk/server/stdio.js'), import('../features/mcp')]);
        const server = createAutopilotMcpServer(client);
        const transport = new StdioServerTransport();
        const done = new Promise<void>((resolve) => {
          transport.onclose = resolve;
          // The client closing our stdin ends the session.
          process.stdin.once('end', resolve);
          process.stdin.once('close', resolve);
        });
        await server.connect(transport);
        await done;
        await server.close().catch(() => undefined);
        process.exit(0);
      }),
    );
}
