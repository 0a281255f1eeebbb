import { describe, expect, it } from 'vitest';
import { splitPicked } from '../../src/renderer/src/features/files/import';

describe('files picked or dropped together', () => {
  it('imports the .prompty and sends the others as the files beside it', () => {
    const base = new File(['---\nname: b\n---\nsystem:\nx'], 'base.prompty');
    const schema = new File(['{}'], 'schema.json');
    const main = new File(['---\nname: m\nbase: base.prompty\n---\n'], 'main.prompty');
    // The first .prompty picked is the one imported.
    expect(splitPicked([schema, main, base]).main).toBe(main);
    expect(splitPicked([schema, main, base]).siblings).toEqual([schema, base]);
  });

  it('imports the promptfoo config and sends its filter and value files beside it', () => {
    const filter = new File(['module.exports = (s) => s'], 'shout.js');
    const tests = new File(['- vars: {}'], 'tests.yaml');
    const config = new File(['prompts: [x]'], 'promptfooconfig.yaml');
    expect(splitPicked([filter, tests, config])).toEqual({ main: config, siblings: [filter, tests] });
    // No file called promptfooconfig: the first YAML file is the config.
    expect(splitPicked([filter, tests])).toEqual({ main: tests, siblings: [filter] });
  });

  it('sends nothing beside a file that is neither a .prompty nor a config', () => {
    const chat = new File(['[]'], 'chat.json');
    const other = new File(['x'], 'notes.txt');
    expect(splitPicked([chat, other])).toEqual({ main: chat, siblings: [] });
    expect(splitPicked([])).toEqual({ main: undefined, siblings: [] });
  });
});
