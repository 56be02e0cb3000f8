#!/usr/bin/env node
// Fails when any import cycle exists between our TypeScript modules (ARCHITECTURE rule 1). Uses dpdm's API so the
// check runs on the sources as they are, without a build.
import { parseDependencyTree, parseCircular, prettyCircular } from 'dpdm';

const tree = await parseDependencyTree(['packages/*/src/**/*.ts', 'packages/*/src/**/*.tsx'], {
  context: process.cwd(),
  transform: true, // ignore type-only imports: they vanish at run time
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
