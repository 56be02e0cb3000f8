import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import local from './scripts/lint/feature-boundaries.mjs';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'data/**', 'bench/results/**', 'test-artifacts/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through platform/config.' }],
    },
  },
  {
    // A feature reaches another only through its index.ts (docs/ARCHITECTURE.md, "feature shape").
    files: ['packages/server/src/features/**/*.ts'],
    plugins: { local },
    rules: { 'local/feature-boundaries': 'error' },
  },
  {
    // The config module is the one place that reads process.env; tests, tools and benches set it for children.
    files: ['packages/server/src/platform/config.ts', '**/*.test.ts', '**/testing.ts', '**/test/**', 'bench/**', 'scripts/**', 'bin/**', '*.config.ts', 'packages/jules-sim/src/cli.ts', 'packages/server/src/cli.ts', 'packages/server/src/cli/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
