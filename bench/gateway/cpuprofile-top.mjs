#!/usr/bin/env node
// Summarises a V8 .cpuprofile (node --cpu-prof): the top self-time frames, and self time per package / file.
// `node bench/gateway/cpuprofile-top.mjs file.cpuprofile [top=30]`
import fs from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) { console.error('usage: cpuprofile-top <file.cpuprofile> [top]'); process.exit(2); }
const top = Number(topArg ?? 30);
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
// Sample time deltas: each sample's node gets the time until the next sample.
for (let i = 0; i < prof.samples.length; i++) {
  const dt = prof.timeDeltas[i + 1] ?? 0;
  self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + dt);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const short = (url) => url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, 'nm:').replace(/.*\/packages\//, 'pk:');
const frames = new Map();
const groups = new Map();
for (const [id, us] of self) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const key = `${cf.functionName || '(anonymous)'} ${short(cf.url)}:${cf.lineNumber + 1}`;
  frames.set(key, (frames.get(key) ?? 0) + us);
  const url = short(cf.url);
  const group = !cf.url ? cf.functionName || '(native)' : url.startsWith('nm:') ? url.split('/').slice(0, url.startsWith('nm:@') ? 2 : 1).join('/') : url.startsWith('node:') ? 'node:' + url.slice(5).split('/')[0] : url;
  groups.set(group, (groups.get(group) ?? 0) + us);
}
const pct = (us) => ((100 * us) / total).toFixed(1).padStart(5) + '%';
console.log(`total sampled ${(total / 1000).toFixed(0)} ms`);
console.log('\ntop self-time frames:');
for (const [k, us] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)} ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
console.log('\nself time by package / file:');
for (const [k, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)} ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
