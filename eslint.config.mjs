import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// The workflow bundler stubs only these three built-ins; everything else is nondeterministic I/O.
const allowedInWorkflows = new Set(['assert', 'url', 'util']);
const forbiddenBuiltins = builtinModules
  .filter((m) => !m.startsWith('_') && !allowedInWorkflows.has(m))
  .flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['lib/**', 'node_modules/**', '.tools/**', '.drillctl/**', 'bin/**', 'scripts/**', 'bench/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // No import cycles anywhere: each layer imports only the ones below it.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { ...importX.flatConfigs.typescript.settings, 'import-x/resolver-next': [createTypeScriptImportResolver()] },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // The CLI is the top of the stack: it parses, calls src/client.ts and renders; nothing imports it.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    ignores: ['src/cli/**', 'test/support/drillctl.ts', 'test/**/cli-*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/cli', '**/cli/**'], message: 'Only src/cli imports the CLI; go through src/client.ts.' }] }],
    },
  },
  {
    // The domain is the ground floor: pure types and logic that every layer above imports. It
    // imports nothing above it (result types live in src/domain/results, not src/contracts).
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/contracts', '**/contracts/**', '**/workflows', '**/workflows/**', '**/activities', '**/activities/**', '**/temporal/**', '**/settings/**', '**/sandbox/**', '**/signing/**', '**/cli', '**/cli/**', '**/client', '**/worker'],
              message: 'src/domain imports only src/domain: move the type or logic down into it.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: forbiddenBuiltins.map((name) => ({ name, message: 'Workflow code must stay deterministic: do I/O in an activity.' })),
          patterns: [
            { group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing'], message: 'Not allowed in the workflow sandbox.' },
            { group: ['**/activities', '**/activities/**'], allowTypeImports: true, message: 'Use `import type` for activities in workflow code.' },
            { group: ['**/sandbox', '**/sandbox/**'], message: 'Product code never imports the sandbox.' },
          ],
        },
      ],
    },
  },
);
