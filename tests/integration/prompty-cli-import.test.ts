/**
 * `parallax import` of a .prompty reads the files it names from its own folder (base:,
 * ${file:…}, extends and include), and never a file outside it.
 */
import { mkdtempSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runImportCommand } from '../../src/main/cli/import';

function io(cwd: string, dataDir: string): { io: Parameters<typeof runImportCommand>[1]; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: { PARALLAX_DATA_DIR: dataDir }, cwd }, out, err };
}

it('reads base:, ${file:} and includes beside the file, and refuses a name outside its folder', async () => {
  const root = mkdtempSync(join(tmpdir(), 'px-prompty-'));
  const folder = join(root, 'prompts');
  mkdirSync(folder);
  cpSync(join(import.meta.dirname, '../fixtures/prompty/file-references'), folder, { recursive: true });
  writeFileSync(join(root, 'secret.json'), '{"token": "do-not-read"}');
  writeFileSync(join(folder, 'escape.prompty'), '---\nname: escape\nsample: ${file:../secret.json}\n---\nuser:\nHi {{ token }}\n');
  const data = join(root, 'data');
  const first = io(folder, data);
  expect(await runImportCommand(['main.prompty'], first.io)).toBe(0);
  expect(first.err.join('')).toMatch(/read from the files beside it: sample\.json, schema\.json|read from the files beside it: schema\.json, sample\.json/);
  const second = io(folder, data);
  expect(await runImportCommand(['escape.prompty'], second.io)).toBe(0);
  expect(second.err.join('') + second.out.join('')).toMatch(/leaves the imported file's folder/);
  expect(second.err.join('') + second.out.join('')).not.toContain('do-not-read');
});
