// Bundles src/index.ts and its dependencies into dist/index.js, the file action.yml runs (GitHub runs it as is:
// there is no npm install on the runner). The output is deterministic, so test/bundle.test.ts can rebuild it and
// compare bytes; `npm run build -w @autopilot/action` after changing src/ or a dependency, and commit dist/.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * @actions/core imports @actions/http-client (and through it undici, ~800 KB) only for getIDToken (OIDC), which this
 * action never calls. Replaced by a module whose classes throw, so the bundle stays small and honest about it.
 */
const noHttpClient = {
  name: 'no-actions-http-client',
  setup(b) {
    b.onResolve({ filter: /^@actions\/http-client(\/.*)?$/ }, (args) => ({ path: args.path, namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: "class NotBundled { constructor() { throw new Error('@actions/http-client is not bundled in this action (getIDToken is unused)'); } }\nexport { NotBundled as HttpClient, NotBundled as BearerCredentialHandler };\n",
      loader: 'js',
    }));
  },
};

const here = path.dirname(fileURLToPath(import.meta.url));
const outfile = process.argv[2] ? path.resolve(process.argv[2]) : path.join(here, 'dist', 'index.js');

await build({
  absWorkingDir: here,
  entryPoints: ['src/index.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Some bundled dependencies are CommonJS and call require() for Node's own modules.
  banner: { js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" },
  legalComments: 'eof',
  sourcemap: false,
  minify: false,
  plugins: [noHttpClient],
  logLevel: 'warning',
});
