#!/usr/bin/env node
// Fails when any import cycle exists between our TypeScript modules (ARCHITECTURE rule 1), type-only imports
// included: a cycle through types is a cycle in the design even though it vanishes at run time. Uses dpdm's API so
// the check runs on the sources as they are, without a build. Arguments (globs) replace the default sources (tests).
import { parseDependencyTree, parseCircular, prettyCircular } from 'dpdm';

const entries = process.argv.slice(2);
const tree = await parseDependencyTree(entries.length ? entries : ['packages/*/src/**/*.ts', 'packages/*/src/**/*.tsx'], {
  context: process.cwd(),
  transform: false, // keep `import type` edges (transform: true would drop them with the types)
  skipDynamicImports: false,
  exclude: /node_modules/,
  tsconfig: 'tsconfig.json',
});
const cycles = parseCircular(tree, true);
const files = Object.keys(tree).length;
if (cycles.length) {
  console.error(`import cycles: ${cycles.length} (in ${files} files)\n${prettyCircular(cycles)}`);
  process.exit(1);
}
console.log(`import cycles: none (${files} files checked)`);
