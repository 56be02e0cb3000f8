#!/usr/bin/env node
// Prints the plain closing line CI readers understand ("N passed, N failed") from vitest's JSON report(s).
import fs from 'node:fs';

let passed = 0, failed = 0, skipped = 0, found = 0;
for (const f of ['.tmp/vitest-results.json', '.tmp/vitest-reliability.json']) {
  if (!fs.existsSync(f)) continue;
  const r = JSON.parse(fs.readFileSync(f, 'utf8'));
  found++;
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
}
if (!found) { console.error('no test report found'); process.exit(1); }
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
