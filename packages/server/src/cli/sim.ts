import { Command } from 'commander';
import { fail, UsageError } from './common';

/** `autopilot sim ...`: the Jules API simulator; every option (and --help) is the simulator's own. */
export function simCommand(): Command {
  return new Command('sim')
    .description('run the Jules API simulator (its options: autopilot sim --help; packages/jules-sim/README.md)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .argument('[options...]', "the simulator's options")
    .action(async (args: string[]) => {
      const { runSimCli } = await import('@autopilot/jules-sim/cli');
      try {
        await runSimCli(args);
      } catch (err) {
        // node:util parseArgs refusing an option or value is a usage error.
        if (String((err as NodeJS.ErrnoException).code ?? '').startsWith('ERR_PARSE_ARGS')) fail(new UsageError(`sim: ${(err as Error).message}`));
        fail(err);
      }
    });
}
