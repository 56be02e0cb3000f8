import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { createJulesSimulator, type JulesSimulatorOptions } from './simulator.ts';
import { loadSnapshot, persistSimulator } from './persist.ts';
import { resolvePlan, type PlanSpec } from './plan.ts';
import type { ListeningSimulator } from './simulator.ts';

const USAGE = `usage: jules-sim --port P [--host 127.0.0.1] [--api-key K] [--sessions N] [--spread-hours H] [--seed S]
                 [--speed X] [--scenario file.json] [--faults file-or-json] [--manual-clock] [--no-started-activity]
                 [--world-per-key] [--mix happy=45,question=15,stall=10,fail=10,stuck=10,approval=10] [--state file.json]
                 [--plan free|pro|ultra|custom:CONCURRENT/DAILY] [--github URL [--github-token T]]`;

const BEHAVIOURS = ['happy', 'question', 'stall', 'fail', 'stuck', 'approval'] as const;

/** `--mix happy=90,fail=10`: weights of the behaviour mix; behaviours left out weigh 0. */
function mixArg(raw: string): NonNullable<JulesSimulatorOptions['mix']> {
  const mix: NonNullable<JulesSimulatorOptions['mix']> = Object.fromEntries(BEHAVIOURS.map((b) => [b, 0]));
  for (const part of raw.split(',')) {
    const [name, weight] = part.split('=');
    if (!(BEHAVIOURS as readonly string[]).includes(name)) throw new Error(`--mix: unknown behaviour "${name}" (one of ${BEHAVIOURS.join(', ')})`);
    mix[name as (typeof BEHAVIOURS)[number]] = num(`mix ${name}`, weight);
  }
  return mix;
}

function num(name: string, raw: string | undefined, min = 0): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} needs a number >= ${min}, got "${raw}"`);
  return n;
}

async function jsonArg(raw: string): Promise<unknown> {
  return JSON.parse(raw.trim().startsWith('{') ? raw : await readFile(raw, 'utf8'));
}

/**
 * Runs the simulator from command-line arguments. Resolves once it listens, after printing exactly one line to
 * stdout: the base URL (`http://127.0.0.1:P/v1alpha`). Stops gracefully on SIGINT/SIGTERM.
 */
export async function runSimCli(argv: string[]): Promise<ListeningSimulator> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' }, host: { type: 'string' }, 'api-key': { type: 'string', multiple: true },
      sessions: { type: 'string' }, 'spread-hours': { type: 'string' }, seed: { type: 'string' }, speed: { type: 'string' }, scenario: { type: 'string' },
      faults: { type: 'string' }, 'manual-clock': { type: 'boolean' }, 'no-started-activity': { type: 'boolean' },
      'world-per-key': { type: 'boolean' }, mix: { type: 'string' }, state: { type: 'string' }, plan: { type: 'string' },
      github: { type: 'string' }, 'github-token': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(0);
  }
  const opts: JulesSimulatorOptions = {
    apiKeys: values['api-key'],
    sessions: num('sessions', values.sessions),
    spreadHours: num('spread-hours', values['spread-hours'], Number.MIN_VALUE),
    speed: num('speed', values.speed, Number.MIN_VALUE),
    seed: values.seed === undefined ? undefined : /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed,
    manualClock: values['manual-clock'],
    startedActivity: values['no-started-activity'] ? false : undefined,
    worldPerKey: values['world-per-key'],
    ...(values.mix ? { mix: mixArg(values.mix) } : {}),
  };
  if (values.plan !== undefined) {
    try {
      resolvePlan(values.plan);
    } catch (e) {
      throw new Error(`--plan: ${(e as Error).message}`);
    }
    opts.plan = values.plan as PlanSpec;
  }
  // --github URL: AUTO_CREATE_PR sessions open their PRs on the GitHub simulator listening there.
  if (values.github !== undefined) {
    if (!/^https?:\/\/[^/]/.test(values.github)) throw new Error(`--github needs the GitHub simulator's URL (http://host:port), got "${values.github}"`);
    opts.github = { baseUrl: values.github, token: values['github-token'] };
  } else if (values['github-token'] !== undefined) throw new Error('--github-token needs --github URL');
  if (values.scenario) opts.scenario = JSON.parse(await readFile(values.scenario, 'utf8'));
  if (values.faults) opts.faults = (await jsonArg(values.faults)) as JulesSimulatorOptions['faults'];
  // --state: continue the world saved there (if any) and keep saving it; an unreadable file is moved aside.
  if (values.state) {
    const loaded = loadSnapshot(values.state);
    if (loaded.status === 'loaded') opts.restore = loaded.snapshot;
    if (loaded.status === 'corrupt') process.stderr.write(`jules-sim: ${values.state} could not be read (${loaded.reason}); moved to ${loaded.movedTo}, starting a new world\n`);
  }
  const sim = createJulesSimulator(opts);
  const persister = values.state
    ? persistSimulator(sim, { file: values.state, onError: (e) => process.stderr.write(`jules-sim: could not save ${values.state}: ${e instanceof Error ? e.message : String(e)}\n`) })
    : undefined;
  const listening = await sim.listen(num('port', values.port) ?? 0, values.host ?? '127.0.0.1');
  process.stdout.write(`${listening.baseUrl}\n`);
  const stop = (): void => {
    void Promise.all([persister?.close(), listening.close()]).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return listening;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runSimCli(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`jules-sim: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    process.exit(2);
  });
}
