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

  it('sends nothing beside a file that is not a .prompty', () => {
    const chat = new File(['[]'], 'chat.json');
    const other = new File(['x'], 'notes.txt');
    expect(splitPicked([chat, other])).toEqual({ main: chat, siblings: [] });
    expect(splitPicked([])).toEqual({ main: undefined, siblings: [] });
  });
});
