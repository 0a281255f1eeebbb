/**
 * Parallax's preview against Prompty's own runtimes: each folder of tests/fixtures/prompty
 * holds a .prompty (with the files beside it that it names), the inputs (case.json) and the
 * messages Prompty's Python runtime prepared from them (expected.json, written by
 * generate.py there, which names the runtime). The file is imported with its siblings and
 * rendered as the preview renders it; the messages must be Prompty's.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importPromptyWithFiles } from '../../src/shared/formats/prompty';
import { readSiblings } from '../../src/shared/formats/prompty-files';
import type { Message, Variables } from '../../src/shared/schemas';
import { renderMessagesSafe } from '../../src/main/template/render';

const ROOT = join(import.meta.dirname, '../fixtures/prompty');
const OWN = new Set(['main.prompty', 'case.json', 'expected.json']);

interface Case {
  runtime: string;
  inputs: 'sample' | Variables;
}
interface Expected {
  runtime: string;
  messages: Array<{ role: string; content: string; name?: string }>;
}

function siblingsOf(folder: string): Array<{ name: string; text: string }> {
  return readdirSync(folder)
    .filter((name) => !OWN.has(name) && statSync(join(folder, name)).isFile())
    .map((name) => ({ name, text: readFileSync(join(folder, name), 'utf8') }));
}

const cases = readdirSync(ROOT).filter((name) => statSync(join(ROOT, name)).isDirectory());

describe('Prompty fixtures render as Prompty prepares them', () => {
  it('has a fixture for each point of the compatibility table', () => {
    expect(cases.length).toBeGreaterThanOrEqual(12);
  });

  for (const name of cases) {
    it(name, () => {
      const folder = join(ROOT, name);
      const spec = JSON.parse(readFileSync(join(folder, 'case.json'), 'utf8')) as Case;
      const expected = JSON.parse(readFileSync(join(folder, 'expected.json'), 'utf8')) as Expected;
      expect(expected.runtime).toContain(spec.runtime);
      const { files, problems } = readSiblings(siblingsOf(folder));
      expect(problems).toEqual([]);
      const imported = importPromptyWithFiles(readFileSync(join(folder, 'main.prompty'), 'utf8'), 'main.prompty', files);
      if (!imported.ok) throw new Error(JSON.stringify(imported.errors));
      const { document } = imported;
      // Prompty 0.1.50 merges the sample into the inputs; 1.0.0b3 and 2.0.0b3 fill what is not given from inputs' sample or default.
      const vars: Variables = spec.inputs === 'sample' ? document.sample : { ...document.sample, ...spec.inputs };
      const { messages, errors } = renderMessagesSafe(document.messages, vars);
      expect(errors).toEqual([]);
      // 1.0.0b3 keeps the blank line before the next role line in a message's text; 0.1.50 and
      // 2.0.0b3 strip it, as Parallax does: that one difference is taken out before comparing.
      const want = expected.messages.map((m) => ({ ...m, content: spec.runtime === '1.0.0b3' ? m.content.replace(/\n+$/, '') : m.content }));
      const got = messages.map((m: Message) => ({ role: m.role, content: m.content, ...(m.name !== undefined ? { name: m.name } : {}) }));
      expect(got).toEqual(want);
    });
  }
});
