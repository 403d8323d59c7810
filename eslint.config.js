// Lint: typescript-eslint with type information for every TypeScript file (the same files
// tsconfig.json type-checks), plain rules for the console's browser modules and the .mjs entries.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layers, pointing one way: http → domain → repositories / index / models → db. Each zone
 * says which files (`target`) may not import from where (`from`); the composition root
 * (service/app) wires them all and is in no zone. README "Architecture" draws the same picture.
 */
const LAYERS = [
  {
    target: './service/domain',
    from: ['./service/http', './service/app', './service/cli', './service/console', './service/ingest', './service/webhooks', './service/config.ts'],
    message: 'the domain knows no transport, wiring, infrastructure or configuration (the root passes it what it needs)',
  },
  { target: './service/repositories', from: ['./service/domain', './service/http', './service/app'], message: 'repositories sit below the domain: they return results, the domain raises its errors' },
  { target: './service/db', from: ['./service/repositories', './service/domain', './service/http', './service/app'], message: 'db is the bottom layer' },
  { target: ['./index', './models'], from: ['./service'], message: 'the index and the models know nothing of the service' },
  { target: './service/http', from: ['./service/repositories', './service/db/pool.ts', './service/app'], message: 'the transport calls domain services, not SQL' },
  { target: './service/webhooks', from: ['./service/http', './service/app'], message: 'delivery workers sit below the transport' },
  { target: './service/ingest', from: ['./service/http', './service/app', './service/domain'], message: 'camera ingest hands frames to the domain through the composition root' },
];

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', 'data/', 'benchmarks/out/', 'test-artifacts/'] },
  eslint.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // The domain sees a transaction as db/'s Queryable, never pg's types.
      'no-restricted-imports': ['error', { paths: [{ name: 'pg', message: 'import Queryable/Pool from service/db/pool.ts' }] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Express 5 awaits async handlers and passes their rejections to the error handler.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  {
    // The layers hold for the product's code; tests and benchmarks reach across them on purpose.
    files: ['**/*.ts'],
    ignores: ['**/*.test.ts', 'service/testSupport/**', 'benchmarks/**'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: LAYERS }] },
  },
  {
    // Tests read JSON answers of any shape.
    files: ['**/*.test.ts', 'service/testSupport/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // pg's own types belong to db/, repositories (their rows) and the infrastructure that talks to PostgreSQL directly.
    files: ['service/db/**', 'service/repositories/**', 'service/webhooks/**', 'service/ingest/**', 'service/app/**', 'service/testSupport/**', '**/*.test.ts', 'benchmarks/**', 'k8s/**', 'service/cli/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  { files: ['service/console/**/*.js'], languageOptions: { globals: globals.browser } },
  { files: ['**/*.mjs', 'eslint.config.js'], languageOptions: { globals: globals.node } },
);
