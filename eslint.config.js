// Lint rules, including the layering of ARCHITECTURE.md, enforced here rather than by goodwill:
// - language/ imports neither runtime/ nor vscode, and spawns no processes;
// - runtime/ never imports the parser: from language/ it may use only language/ir/ (the CLI in
//   runtime/cli/ is the one place that joins the two halves);
// - nothing but extension/ imports vscode.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const RUNTIME_LAYER_MESSAGE = 'runtime/ must not import the language front end (only language/ir/). Join the halves in runtime/cli/.';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'extension/dist/**', 'extension/node_modules/**', 'scratch/**', 'bench/.data/**', 'language/ir/ir-validator.generated.js', 'test-artifacts/**', '**/*.vsix'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', performance: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', setImmediate: 'readonly', SharedArrayBuffer: 'readonly', Atomics: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['language/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/runtime/**', '**/extension/**'], message: 'language/ must not import runtime/ or extension/ (ARCHITECTURE.md).' },
          { group: ['vscode', 'vscode-*'], message: 'language/ must not import vscode.' },
          { group: ['node:child_process', 'child_process', 'node:net', 'node:http', 'node:https'], message: 'language/ does no network and spawns no processes.' },
        ],
      }],
    },
  },
  {
    files: ['runtime/**/*.ts'],
    ignores: ['runtime/cli/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/language/*.js', '**/language/*.ts', '**/language/checker/**', '**/language/compiler/**', '**/language/format/**', 'chevrotain'], message: RUNTIME_LAYER_MESSAGE },
          { group: ['**/extension/**', 'vscode', 'vscode-*'], message: 'runtime/ must not import the editor layer.' },
        ],
      }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
