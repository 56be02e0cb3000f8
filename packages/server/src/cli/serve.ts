import { Command, Option } from 'commander';
import { fail } from './common';
import { bannerWanted, browserUrl, formatBanner } from './banner';

/** `autopilot serve`: the orchestrator (API, dashboard, background loops) until SIGTERM/SIGINT. */
export function serveCommand(): Command {
  return new Command('serve')
    .description('run the orchestrator: API, dashboard and the keeper (configured by environment variables, see README)')
    .addOption(new Option('-p, --port <port>', 'port to listen on (sets PORT; default 8080)'))
    .addOption(new Option('--host <host>', 'address to listen on (sets HOST; default 127.0.0.1)'))
    .addOption(new Option('--data-dir <dir>', 'where the SQLite database and secrets live (sets DATA_DIR; default ./data)'))
    .option('--no-banner', 'no start-up banner (also AUTOPILOT_BANNER=0); the first start prints it anyway: it carries the owner key')
    .addHelpText(
      'after',
      `
Once listening it prints a banner on stderr with the URL, whether Jules is simulated, a one-click log-in link
(single use, 10 minutes) and, on the first start only, the generated owner API key. Logs go to stdout.`,
    )
    .action(async (o: { port?: string; host?: string; dataDir?: string; banner: boolean }) => {
      if (o.port !== undefined) process.env.PORT = o.port;
      if (o.host !== undefined) process.env.HOST = o.host;
      if (o.dataDir !== undefined) process.env.DATA_DIR = o.dataDir;
      // Loaded only now: `serve --help` must not load config, open the database or a port.
      const { loadConfig, ConfigError } = await import('../platform/config');
      const { startOrchestrator } = await import('../main');
      const { VERSION } = await import('../platform/version');
      let config;
      try {
        config = loadConfig();
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`${err.message}\n`);
          process.exit(1);
        }
        throw err;
      }
      let orch;
      try {
        orch = await startOrchestrator(config);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'EADDRINUSE') fail(new Error(`port ${config.PORT} on ${config.HOST} is in use: pick another with --port or PORT`));
        fail(err);
      }
      const wanted = o.banner && bannerWanted();
      if (wanted || orch.generatedKey) {
        const link = wanted
          ? await orch.loginLinks.mintForOwner().catch((err: unknown) => {
              orch.log.warn({ err }, 'could not mint the start-up log-in link (autopilot login-link makes one)');
              return null;
            })
          : null;
        process.stderr.write(
          `${formatBanner({
            version: VERSION,
            url: orch.url,
            publicUrl: config.AUTOPILOT_PUBLIC_URL,
            simulated: orch.jules.simulated,
            julesBaseUrl: config.JULES_API_BASE_URL,
            ownerKey: orch.generatedKey,
            loginLink: link ? { url: `${browserUrl(orch.url, config.AUTOPILOT_PUBLIC_URL)}${link.path}`, ttlMinutes: Math.round(orch.loginLinks.ttlMs / 60_000) } : undefined,
          })}\n`,
        );
      }
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
    });
}
