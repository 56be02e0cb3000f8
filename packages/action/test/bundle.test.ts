import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENTRY } from './run-action';

const pkg = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('the committed bundle', () => {
  it('is exactly what building src/ gives now (dist/index.js is never stale)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'action-bundle-'));
    try {
      const out = path.join(dir, 'index.js');
      execFileSync(process.execPath, [path.join(pkg, 'build.mjs'), out], { cwd: pkg, stdio: 'pipe' });
      const fresh = fs.readFileSync(out);
      const committed = fs.readFileSync(ENTRY);
      // Compared as text first so a failure shows where they differ; then byte for byte.
      if (!fresh.equals(committed)) expect(committed.toString('utf8'), 'dist/index.js is stale: run `npm run build -w @autopilot/action` and commit dist/').toBe(fresh.toString('utf8'));
      expect(fresh.equals(committed)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is what action.yml runs, on node20', () => {
    const yml = fs.readFileSync(path.join(pkg, 'action.yml'), 'utf8');
    expect(yml).toMatch(/^runs:\n {2}using: node20\n {2}main: dist\/index\.js$/m);
    expect(fs.existsSync(ENTRY)).toBe(true);
  });
});
