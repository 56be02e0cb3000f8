/**
 * `npm run bench [-- --quick] [-- --only name,name]`: runs every bench/<name>/run.ts that exports
 * `run({ quick }) => Figure[]`, then writes bench/results/latest.json and bench/results/latest.md (partial.* with --only, quick.* with --quick).
 * Each figure is measured side by side with its baseline in the same run (the machine's speed drifts), so the
 * ratio is the number to read.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Figure {
  bench?: string;
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  lowerBound?: number;
  note?: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only'));
const only = onlyArg ? (onlyArg.includes('=') ? onlyArg.split('=')[1] : args[args.indexOf(onlyArg) + 1]).split(',') : null;

const benches = fs
  .readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'results' && fs.existsSync(path.join(here, d.name, 'run.ts')))
  .map((d) => d.name)
  .filter((n) => !only || only.includes(n))
  .sort();

const figures: Figure[] = [];
const failures: Array<{ bench: string; error: string }> = [];
for (const [i, name] of benches.entries()) {
  console.log(`[${i + 1}/${benches.length}] bench ${name}${quick ? ' (quick)' : ''} ...`);
  const started = performance.now();
  try {
    const mod = (await import(pathToFileURL(path.join(here, name, 'run.ts')).href)) as { run(o: { quick: boolean }): Promise<Figure[]> };
    const got = await mod.run({ quick });
    for (const f of got) figures.push({ bench: name, ...f, ratio: f.ratio ?? (f.baseline ? f.value / f.baseline : undefined) });
    console.log(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s, ${got.length} figures`);
  } catch (err) {
    failures.push({ bench: name, error: err instanceof Error ? err.stack ?? err.message : String(err) });
    console.error(`  FAILED: ${err instanceof Error ? err.message : err}`);
  }
}

const fmt = (n: number | undefined) => (n === undefined ? '' : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3));
const meta = { date: new Date().toISOString(), quick, node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30) };
fs.mkdirSync(path.join(here, 'results'), { recursive: true });
// Only a full run of every bench replaces `latest`; --only writes `partial` and --quick writes `quick`, so a smaller
// run never hides the full figures.
const stem = only ? 'partial' : quick ? 'quick' : 'latest';
fs.writeFileSync(path.join(here, `results/${stem}.json`), JSON.stringify({ meta, figures, failures }, null, 2) + '\n');
const md = [
  `# Benchmark results (${meta.date}${quick ? ', quick' : ''})`,
  '',
  `Machine: ${meta.cpus} x ${meta.cpuModel}, ${meta.memGiB} GiB, Node ${meta.node}.`,
  '',
  '| bench | figure | value | unit | baseline | ratio | lower bound |',
  '|---|---|---|---|---|---|---|',
  ...figures.map((f) => `| ${f.bench} | ${f.name} | ${fmt(f.value)} | ${f.unit} | ${fmt(f.baseline)} | ${fmt(f.ratio)} | ${fmt(f.lowerBound)} |`),
  ...(failures.length ? ['', '## Failures', '', ...failures.map((f) => `- ${f.bench}: ${f.error.split('\n')[0]}`)] : []),
  '',
].join('\n');
fs.writeFileSync(path.join(here, `results/${stem}.md`), md);
console.log('\n' + md);
process.exit(failures.length ? 1 : 0);
