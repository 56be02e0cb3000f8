// The entry point bin/autopilot.mjs loads: the command line itself is in cli/ (one file per command group).
import { main } from './cli/index';

await main(process.argv);
