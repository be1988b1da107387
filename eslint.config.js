// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import globals from 'globals';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', '.tools/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's describe/it return promises the runner itself awaits.
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O,
    // and activities only as types (their implementations must never be bundled).
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must not import Node built-ins.' })),
          patterns: [
            {
              // Dependency-free constants (failure type names) are the one exception.
              group: ['**/activities/**/*.js', '**/activities/*.js', '!**/activities/okta/failure-types.js'],
              allowTypeImports: true,
              message: 'Workflows may import activities as types only (import type).',
            },
            { group: ['got', 'jose', '@temporalio/worker', '@temporalio/client', '@temporalio/activity'], message: 'Not allowed in workflow code.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'No process in workflow code.' }, { name: 'setInterval', message: 'Use workflow sleep/condition.' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Use workflow time from the SDK (Date is deterministic there, but prefer explicit helpers).' }],
    },
  },
  {
    // The web chat and console pages run in the browser.
    files: ['client/http-api/web/public/**/*.js'],
    languageOptions: { globals: globals.browser, sourceType: 'module' },
  },
);
