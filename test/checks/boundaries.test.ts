import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

/** The feature-boundary errors ESLint reports for `code` as if it were the file at `file` (repo-relative). */
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return r.messages.filter((m) => m.ruleId === 'local/feature-boundaries').map((m) => m.message);
}

describe('feature boundaries (eslint local/feature-boundaries, run by npm run lint)', () => {
  const file = 'packages/server/src/features/llm/zz-probe.ts';

  it.each([
    ['a value import of a store', "import { createProvidersStore } from '../providers/providers.store';\nexport const x = createProvidersStore;\n"],
    ['a type-only import of a service module', "import type { ProvidersService } from '../providers/providers.service';\nexport type X = ProvidersService;\n"],
    ['a re-export', "export { createRoutingStore } from '../routing/routing.store';\n"],
    ['a path through features/', "import type { KeeperStore } from '../../features/keeper/keeper.store';\nexport type X = KeeperStore;\n"],
    ['an import() type', "export type X = import('../sessions/accounts.store').AccountsStore;\n"],
    ['a dynamic import', "export const load = () => import('../sessions/sessions.store');\n"],
  ])('fails on %s', async (_what, code) => {
    const errors = await boundaryErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^features\/llm may use features\/\w+ only through features\/\w+\/index\.ts/);
  });

  it.each([
    ['the other feature\'s index', "import type { ProvidersService } from '../providers';\nexport type X = ProvidersService;\n"],
    ['its index.ts by name', "import type { RoutingService } from '../routing/index';\nexport type X = RoutingService;\n"],
    ['its own modules', "import { createLlmStore } from './llm.store';\nexport const x = createLlmStore;\n"],
    ['the platform', "import { iso } from '../../platform/clock';\nexport const x = iso;\n"],
  ])('allows %s', async (_what, code) => {
    expect(await boundaryErrors(file, code)).toEqual([]);
  });

  it('holds for every file under features/ today', async () => {
    const results = await eslint.lintFiles(['packages/server/src/features/**/*.ts']);
    const hits = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'local/feature-boundaries').map((m) => `${path.relative(root, r.filePath)}: ${m.message}`));
    expect(hits).toEqual([]);
    expect(results.length).toBeGreaterThan(50);
  });
});

describe('cycle check (npm run cycles)', () => {
  it('fails on a cycle made only of type imports, and passes once it is broken', async () => {
    // Inside the repository (dpdm reads globs relative to it); .tmp/ is git-ignored.
    fs.mkdirSync(path.join(root, '.tmp'), { recursive: true });
    const dir = fs.mkdtempSync(path.join(root, '.tmp', 'cycles-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './b';\nexport interface A { b?: B }\n");
      fs.writeFileSync(path.join(dir, 'b.ts'), "import type { A } from './a';\nexport interface B { a?: A }\n");
      const run = () => promisify(execFile)(process.execPath, ['scripts/check-cycles.mjs', `${path.relative(root, dir)}/*.ts`], { cwd: root });
      const failed = await run().then(() => null, (e: { code: number; stderr: string }) => e);
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toMatch(/import cycles: 1/);
      fs.writeFileSync(path.join(dir, 'b.ts'), 'export interface B { a?: unknown }\n');
      expect((await run()).stdout).toMatch(/import cycles: none/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
