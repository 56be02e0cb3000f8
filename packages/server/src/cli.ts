import { loadConfig, ConfigError } from './platform/config';
import { startOrchestrator } from './main';

const HELP = `autopilot <command>

Commands:
  serve                 run the orchestrator (API + dashboard + background daemon); configured by environment
  sim [options]         run the Jules API simulator (see packages/jules-sim/README.md)
  help                  this text
`;

/** Runs the orchestrator until SIGTERM/SIGINT, then shuts down gracefully (a second signal exits at once). */
async function serve(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const orch = await startOrchestrator(config);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    orch.log.info({ signal }, 'shutting down');
    const hard = setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS + 5000);
    hard.unref();
    await orch.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

const [command = 'help', ...rest] = process.argv.slice(2);
switch (command) {
  case 'serve':
    await serve();
    break;
  case 'sim': {
    const { runSimCli } = await import('@autopilot/jules-sim/cli');
    await runSimCli(rest);
    break;
  }
  case 'help':
  case '--help':
  case '-h':
    console.log(HELP);
    break;
  default:
    console.error(`unknown command: ${command}\n\n${HELP}`);
    process.exit(2);
}
