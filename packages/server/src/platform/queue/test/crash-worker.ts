import { openHarness, type QueueTarget } from './harness';

/**
 * Child process of the crash case: takes the `crash` job, announces it on stdout, and hangs until the parent
 * SIGKILLs it. Run as `node --import tsx crash-worker.ts '<QueueTarget JSON>'`.
 */
const target = JSON.parse(process.argv[2] ?? '') as QueueTarget;
const harness = await openHarness(target);
const queue = await harness.makeQueue({ instanceId: 'crash-child' });
queue.handle('crash', async (_payload, ctx) => {
  process.stdout.write(`started ${ctx.id}\n`);
  // Never reached in the test (the process is killed first); if it were, the effect count would show it.
  await new Promise((resolve) => setTimeout(resolve, 60_000));
  await harness.recordEffect(ctx.id);
});
await queue.start();
process.stdout.write('ready\n');
