// Bundles the extension into one CommonJS file (dist/extension.js) with esbuild: @autopilot/client, contracts and
// their dependencies are inlined, so `vsce package --no-dependencies` works inside the monorepo. `vscode` is
// provided by the editor at run time.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  absWorkingDir: root,
  entryPoints: ['src/extension.ts'],
  outfile: 'dist/extension.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
