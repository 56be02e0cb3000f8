import * as core from '@actions/core';
import { run } from './run';

// The entry point GitHub runs (bundled as dist/index.js): anything unexpected still fails the step with its message.
run().catch((err: unknown) => core.setFailed((err as Error)?.message ?? String(err)));
