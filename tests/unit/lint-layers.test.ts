/**
 * The layer rules in eslint.config.js hold: each forbidden import is an error in the folder it
 * is forbidden in, and the imports each layer lives on are not. Runs ESLint's own API on text
 * given a path in each folder, with the repository's config.
 */
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const LAYER_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax', 'no-restricted-globals']);

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

/** The layer-rule errors for `code` as if it were the file at `path` (relative to the root). */
async function layerErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(ROOT, path) });
  if (!result) throw new Error('ESLint returned no result');
  const fatal = result.messages.find((m) => m.fatal);
  if (fatal) throw new Error(`${path}: ${fatal.message}`);
  return result.messages.filter((m) => m.severity === 2 && LAYER_RULES.has(m.ruleId ?? '')).map((m) => m.message);
}

const importOf = (source: string): string => `import value from ${JSON.stringify(source)};\nexport default value;\n`;
const dynamicOf = (source: string): string => `export const load = () => import(${JSON.stringify(source)});\n`;

async function expectForbidden(path: string, sources: readonly string[]): Promise<void> {
  for (const source of sources) {
    expect(await layerErrors(path, importOf(source)), `${path}: import ${source}`).toHaveLength(1);
  }
}

async function expectAllowed(path: string, sources: readonly string[]): Promise<void> {
  for (const source of sources) {
    expect(await layerErrors(path, importOf(source)), `${path}: import ${source}`).toEqual([]);
  }
}

const MAIN_ONLY = ['openai', 'openai/resources/chat', 'electron-store', 'p-limit', 'undici', 'ajv', 'gpt-tokenizer', 'csv-stringify/sync', 'quickjs-emscripten-core'];

describe('layer rules: src/shared', { timeout: 60_000 }, () => {
  const file = 'src/shared/cases/example.ts';

  it('refuses every Node built-in, with and without the node: prefix', async () => {
    // Every name Node lists (newer Nodes list the prefix-only ones, such as node:sqlite, too).
    expect(builtinModules.length).toBeGreaterThan(40);
    const all = builtinModules.map((name) => `import ${JSON.stringify(name)};\n`).join('');
    expect(await layerErrors(file, all)).toHaveLength(builtinModules.length);
    await expectForbidden(file, ['fs', 'fs/promises', 'path', 'crypto', 'node:fs', 'node:path', 'node:sqlite', 'node:test']);
  });

  it('refuses electron, main-only packages, React and imports from main or the renderer', async () => {
    await expectForbidden(file, ['electron', ...MAIN_ONLY, 'react', 'react-dom/client', 'zustand', '../../main/store/store', '../../renderer/src/App']);
  });

  it('refuses the same as a dynamic import()', async () => {
    for (const source of ['node:fs', 'fs', 'fs/promises', 'openai', 'csv-stringify/sync']) {
      expect(await layerErrors(file, dynamicOf(source)), source).toHaveLength(1);
    }
    expect(await layerErrors(file, dynamicOf('./import'))).toEqual([]);
  });

  it('allows its own libraries and its own files', async () => {
    await expectAllowed(file, ['zod', 'yaml', 'papaparse', 'nunjucks/browser/nunjucks.js', '../csv', './import', 'fsm-helper', 'openai-like', 'pathological']);
  });
});

describe('layer rules: src/renderer', { timeout: 60_000 }, () => {
  const file = 'src/renderer/src/features/cases/Example.tsx';

  it('refuses Node built-ins, main-only packages, electron and main', async () => {
    await expectForbidden(file, ['fs', 'node:fs', 'child_process', 'node:child_process', 'path/posix', ...MAIN_ONLY, 'electron', '../../../../main/services']);
    expect(await layerErrors(file, dynamicOf('node:os'))).toHaveLength(1);
  });

  it('allows React, its libraries and the shared domain', async () => {
    await expectAllowed(file, ['react', 'zustand', 'recharts', '@tanstack/react-virtual', '../../../../shared/csv', '../../bridge/current']);
  });
});

describe('layer rules: services in src/main', { timeout: 60_000 }, () => {
  it('refuses a front door (electron/, web/, cli/) from any depth, and electron itself', async () => {
    await expectForbidden('src/main/handlers/example.ts', ['../electron/vault', '../web/server', '../cli/output', '../../main/cli/main', 'electron']);
    await expectForbidden('src/main/services.ts', ['./electron/dialogs', './web/server', './cli/main']);
    await expectForbidden('src/main/store/deep/example.ts', ['../../electron/prefs']);
    expect(await layerErrors('src/main/runner/example.ts', dynamicOf('../cli/eval'))).toHaveLength(1);
  });

  it('allows Node, main-only packages, other services and shared', async () => {
    await expectAllowed('src/main/handlers/example.ts', ['node:fs', 'openai', 'p-limit', '../store/store', '../runner/runner', '../../shared/csv', './files', '../data-dir']);
    await expectAllowed('src/main/services.ts', ['./handlers/files', './store/store', './secrets/secrets']);
  });
});

describe('layer rules: the front doors', { timeout: 60_000 }, () => {
  it('lets the doors import the services; only the Electron door imports electron', async () => {
    await expectAllowed('src/main/cli/example.ts', ['../services', '../store/store', './output', 'node:fs']);
    await expectAllowed('src/main/web/example.ts', ['../services', 'node:http']);
    await expectAllowed('src/main/electron/example.ts', ['electron', 'electron-store', '../services', './vault']);
    await expectForbidden('src/main/cli/example.ts', ['electron', '../../renderer/src/App']);
    await expectForbidden('src/main/web/example.ts', ['electron']);
    await expectForbidden('src/main/electron/example.ts', ['../../renderer/src/App']);
  });
});
