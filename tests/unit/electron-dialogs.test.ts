import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserWindow, Dialog, SaveDialogOptions, SaveDialogReturnValue } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { electronDialogs } from '../../src/main/electron/dialogs';
import { DEFAULT_FILE_NAME } from '../../src/shared/file-name';

vi.mock('electron', () => import('../mocks/electron'));

describe('the native save dialog', () => {
  let dir: string;
  let seen: SaveDialogOptions[];
  let answer: SaveDialogReturnValue;

  const dialog: Pick<Dialog, 'showSaveDialog'> = {
    showSaveDialog: ((...args: unknown[]) => {
      seen.push(args[args.length - 1] as SaveDialogOptions);
      return Promise.resolve(answer);
    }) as Dialog['showSaveDialog'],
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parallax-dialog-'));
    seen = [];
    answer = { canceled: true, filePath: '' };
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['../../.bashrc', 'bashrc'],
    ['/etc/cron.d/evil', 'evil'],
    ['C:\\Windows\\System32\\drivers\\etc\\hosts', 'hosts'],
    ['CON.csv', '_CON.csv'],
    ['run\u0000.csv\u202E', 'run.csv'],
    ['..', DEFAULT_FILE_NAME],
  ])('suggests only a clean base name for %j', async (fileName, expected) => {
    const save = electronDialogs(dialog, () => undefined);
    await save.save({ fileName, text: 'x' });
    expect(seen[0]?.defaultPath).toBe(expected);
  });

  it('writes the text where the person chose, and reports a cancel', async () => {
    const owner = {} as BrowserWindow;
    const save = electronDialogs(dialog, () => owner);
    expect(await save.save({ fileName: 'a.csv', text: 'x' })).toEqual({ saved: false });
    const target = join(dir, 'chosen.csv');
    answer = { canceled: false, filePath: target };
    expect(await save.save({ fileName: 'a.csv', text: 'hello' })).toEqual({ saved: true, path: target });
    expect(readFileSync(target, 'utf8')).toBe('hello');
    expect(seen.map((o) => o.defaultPath)).toEqual(['a.csv', 'a.csv']);
  });
});
