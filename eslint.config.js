// Lint, including the layer rules of docs/architecture.md ("Layers"): the folder a file sits in
// says what it may import. tests/unit/lint-layers.test.ts proves each rule.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** A regex source matching any of `names`, or a subpath of one (`fs/promises`, `openai/resources`). */
const anyOf = (names) => `^(?:${names.map(escapeRegex).join('|')})(?:/.*)?$`;

// Node's built-ins by their bare names (fs, path, fs/promises, ...) from Node itself, and the
// `node:` prefix (which also covers the prefix-only ones such as node:sqlite and node:test).
const NODE_PREFIXED = '^node:';
const NODE_BARE = anyOf(builtinModules.filter((name) => !name.startsWith('node:')));
// Packages only src/main uses: they need Node, hold API keys or would drag the server side
// into the page. Add a package here when main starts using one the other layers must not.
const MAIN_ONLY = anyOf([
  'openai',
  'electron-store',
  'p-limit',
  'undici',
  'ajv',
  'gpt-tokenizer',
  'csv-stringify',
  'quickjs-emscripten-core',
  '@jitl/quickjs-wasmfile-release-sync',
  '@jitl/quickjs-ng-wasmfile-release-sync',
  // secretlint's preset needs node:path; personal-data scanning of secrets is main's (src/main/pii).
  '@secretlint/core',
  '@secretlint/secretlint-rule-preset-recommend',
]);
// Packages only the renderer uses (React and the DOM-bound libraries).
const RENDERER_ONLY = anyOf(['react', 'react-dom', 'zustand', 'monaco-editor', '@monaco-editor/react', 'recharts', '@tanstack/react-virtual']);
// The front doors, reached by a relative import from anywhere in src/main (./electron/x, ../../cli/main).
const FRONT_DOOR = '^(?:\\.{1,2}/)+(?:[^/]+/)*?(?:main/)?(?:electron|web|cli)(?:/|$)';

const electronOnly = { name: 'electron', message: 'Only src/main/electron may import electron.' };
const nodeMessage = 'Node built-ins belong in src/main: src/shared and the renderer run in a page too.';
const mainOnlyMessage = 'This package is for src/main only (it needs Node or holds keys); reach it through the contract.';
const nodePatterns = [
  { regex: NODE_PREFIXED, message: nodeMessage },
  { regex: NODE_BARE, caseSensitive: true, message: nodeMessage },
  { regex: MAIN_ONLY, caseSensitive: true, message: mainOnlyMessage },
];

/**
 * `import('x')` is not covered by no-restricted-imports: the same sources, as selectors.
 * esquery's regex cannot hold a `/`, so it is written as \u002f.
 */
const dynamicImport = (source, message) => ({
  selector: `ImportExpression[source.value=/${source.replace(/\\\//g, '/').replace(/\//g, '\\u002f')}/]`,
  message,
});
const nodeDynamic = [dynamicImport(NODE_PREFIXED, nodeMessage), dynamicImport(NODE_BARE, nodeMessage), dynamicImport(MAIN_ONLY, mainOnlyMessage)];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.tsbuild/**', 'test-results/**', 'playwright-report/**', 'bench/.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // CommonJS files: promptfoo's nunjucksFilters fixtures (module.exports = function …).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node, ...globals.commonjs } },
  },
  {
    // The domain: pure TypeScript that runs in main and in the page alike.
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnly],
          patterns: [
            ...nodePatterns,
            { regex: RENDERER_ONLY, caseSensitive: true, message: 'src/shared is pure TypeScript: no React, no DOM libraries.' },
            { group: ['**/main/**', '**/renderer/**'], message: 'src/shared imports nothing from main or renderer.' },
          ],
        },
      ],
      'no-restricted-syntax': ['error', ...nodeDynamic],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'Buffer', 'require'],
    },
  },
  {
    // The services: plain classes any front door can bind; they never know which one did.
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/electron/**', 'src/main/web/**', 'src/main/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnly],
          patterns: [
            { group: ['**/renderer/**'], message: 'Main never imports the renderer.' },
            { regex: FRONT_DOOR, message: 'Services never import a front door (electron/, web/, cli/); the doors import the services.' },
          ],
        },
      ],
      'no-restricted-syntax': ['error', dynamicImport(FRONT_DOOR, 'Services never import a front door (electron/, web/, cli/).')],
    },
  },
  {
    // The web and CLI doors: Node, but no Electron.
    files: ['src/main/web/**/*.ts', 'src/main/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [electronOnly], patterns: [{ group: ['**/renderer/**'], message: 'Main never imports the renderer.' }] },
      ],
    },
  },
  {
    files: ['src/main/electron/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/renderer/**'], message: 'Main never imports the renderer.' }] }],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnly],
          patterns: [...nodePatterns, { group: ['**/main/**'], message: 'The renderer talks to main only through the Bridge.' }],
        },
      ],
      'no-restricted-syntax': ['error', ...nodeDynamic],
    },
  },
);
