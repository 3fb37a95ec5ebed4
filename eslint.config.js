// Lint rules that hold the layering of STYLE.md in place: each folder of src/ is one layer, and
// these rules fail the build when a layer reaches into one it must not know about.
import tseslint from 'typescript-eslint';

const layers = ['engine', 'manifest', 'model', 'convert', 'observe', 'diff', 'plan', 'apply', 'watch', 'cli', 'compose', 'operate'];
const forbid = (...names) =>
  names.map((name) => ({ group: [`../${name}/*`, `../../${name}/*`, `**/src/${name}/*`], message: `this layer must not import src/${name}/ (see STYLE.md)` }));
const io = ['node:fs', 'node:fs/promises', 'node:child_process', 'node:net', 'node:http', 'node:https', 'node:tls', 'node:os', 'undici', 'p-queue'];
const noIo = io.map((name) => ({ name, message: 'pure layers do no I/O (see STYLE.md)' }));
const pureRules = {
  'no-restricted-imports': [
    'error',
    {
      paths: noIo,
      patterns: [
        ...forbid('cli', 'apply', 'observe', 'watch', 'manifest'),
        // Engine wire types may be named (import type), never its runtime.
        { group: ['../engine/*'], allowTypeImports: true, message: 'pure layers may only import types from src/engine/' },
      ],
    },
  ],
  'no-restricted-globals': ['error', { name: 'process', message: 'pure layers do not read the process' }],
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/.work/', 'coverage/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: forbid('cli') }],
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: forbid(...layers.filter((l) => l !== 'engine')) }],
    },
  },
  {
    files: ['src/model/**/*.ts', 'src/convert/**/*.ts', 'src/diff/**/*.ts', 'src/plan/**/*.ts'],
    rules: pureRules,
  },
  {
    files: ['src/observe/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: forbid('cli', 'apply', 'watch', 'manifest') }] },
  },
  {
    files: ['src/apply/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: forbid('cli', 'watch', 'manifest') }] },
  },
  {
    // operate/: apply --wait, status: reads through observe/, writes (rollback records) through apply/.
    files: ['src/operate/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: forbid('cli', 'watch', 'manifest') }] },
  },
  {
    // Its judgements are pure, like diff/ and plan/.
    files: ['src/operate/converge.ts', 'src/operate/status.ts'],
    rules: pureRules,
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
