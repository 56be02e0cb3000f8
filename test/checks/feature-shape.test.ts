import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const src = path.resolve(import.meta.dirname, '../../packages/server/src');
const features = fs.readdirSync(path.join(src, 'features'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
const pascal = (name: string) => name.replace(/(^|[-_])(\w)/g, (_m, _s, c: string) => c.toUpperCase());

describe('every server feature has the same shape (docs/ARCHITECTURE.md)', () => {
  it('the ten features are all there', () => {
    expect(features.sort()).toEqual(expect.arrayContaining(['budgets', 'events', 'housekeeping', 'keeper', 'llm', 'providers', 'routing', 'sessions', 'system', 'workspaces']));
  });

  it.each(features)('features/%s/index.ts exports create<F>Feature', async (f) => {
    const file = path.join(src, 'features', f, 'index.ts');
    expect(fs.existsSync(file), `${f}/index.ts`).toBe(true);
    const mod = (await import(file)) as Record<string, unknown>;
    expect(typeof mod[`create${pascal(f)}Feature`], `create${pascal(f)}Feature`).toBe('function');
  });

  it('main.ts only composes: under 120 lines, features reached through their index, no store or service built by hand', () => {
    const main = fs.readFileSync(path.join(src, 'main.ts'), 'utf8');
    expect(main.split('\n').length).toBeLessThan(120);
    const featureImports = [...main.matchAll(/from '\.\/features\/([^']+)'/g)].map((m) => m[1]);
    expect(featureImports.length).toBeGreaterThanOrEqual(features.length);
    for (const spec of featureImports) expect(spec, `main.ts imports ./features/${spec}`).toMatch(/^[a-z-]+$/);
    expect(main).not.toMatch(/create\w+(Store|Service)\(/);
    expect(main).not.toMatch(/llmRef/);
  });
});
