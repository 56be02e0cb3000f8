import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { createGitHubSimulator, splitRepo, type GitHubSimulatorOptions, type ListeningGitHubSimulator } from './simulator.ts';

const USAGE = `usage: github-sim --port P [--host 127.0.0.1] [--token T ...] [--seed S] [--repos owner/name,...] [--speed X]
                  [--manual-clock] [--rate-limit N] [--webhook URL --webhook-secret S]`;

/** A bad flag or value (the message names the flag): the caller prints usage, exit code 2. */
export class GitHubSimUsageError extends Error {}

function num(name: string, raw: string | undefined, min = 0): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new GitHubSimUsageError(`--${name} needs a number >= ${min}, got "${raw}"`);
  return n;
}

/** Parses the command line into simulator options and where to listen (throws with the flag's name). */
export function parseGitHubSimArgs(argv: string[]): { opts: GitHubSimulatorOptions; port: number; host: string; help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' }, host: { type: 'string' }, token: { type: 'string', multiple: true }, seed: { type: 'string' },
        repos: { type: 'string' }, speed: { type: 'string' }, 'manual-clock': { type: 'boolean' }, 'rate-limit': { type: 'string' },
        webhook: { type: 'string' }, 'webhook-secret': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    // node:util refusing an unknown option or a missing value.
    throw new GitHubSimUsageError((e as Error).message);
  }
  const { values } = parsed;
  if (values.webhook && !values['webhook-secret']) throw new GitHubSimUsageError('--webhook needs --webhook-secret');
  if (values.webhook) {
    try {
      new URL(values.webhook);
    } catch {
      throw new GitHubSimUsageError(`--webhook needs a URL, got "${values.webhook}"`);
    }
  }
  const repos = (values.repos ?? 'acme/shop').split(',').map((r) => r.trim()).filter(Boolean);
  for (const r of repos) {
    try {
      splitRepo(r);
    } catch {
      throw new GitHubSimUsageError(`--repos: "${r}" is not owner/name`);
    }
  }
  const opts: GitHubSimulatorOptions = {
    tokens: values.token,
    seed: values.seed === undefined ? undefined : /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed,
    speed: num('speed', values.speed, Number.MIN_VALUE),
    manualClock: values['manual-clock'],
    rateLimit: num('rate-limit', values['rate-limit']),
    repos,
    webhooks: values.webhook ? [{ url: values.webhook, secret: values['webhook-secret']! }] : undefined,
  };
  return { opts, port: num('port', values.port) ?? 0, host: values.host ?? '127.0.0.1', help: values.help === true };
}

/**
 * Runs the simulator from command-line arguments. Resolves once it listens, after printing exactly one line to
 * stdout: the base URL (Octokit's `baseUrl`). Stops on SIGINT/SIGTERM.
 */
export async function runGitHubSimCli(argv: string[]): Promise<ListeningGitHubSimulator> {
  const { opts, port, host, help } = parseGitHubSimArgs(argv);
  if (help) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(0);
  }
  const listening = await createGitHubSimulator(opts).listen(port, host);
  process.stdout.write(`${listening.baseUrl}\n`);
  const stop = (): void => {
    void listening.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return listening;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runGitHubSimCli(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`github-sim: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    process.exit(2);
  });
}
