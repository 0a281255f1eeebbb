/** The desktop's native save dialog, for exports. */
import { writeFile } from 'node:fs/promises';
import type { BrowserWindow, Dialog } from 'electron';
import { safeFileName } from '../../shared/file-name';
import type { FileDialogs } from '../handlers/files';

export function electronDialogs(dialog: Pick<Dialog, 'showSaveDialog'>, window: () => BrowserWindow | undefined): FileDialogs {
  return {
    async save(file) {
      const owner = window();
      // The name comes from the renderer: suggest a clean base name only, never a path.
      const options = { defaultPath: safeFileName(file.fileName) };
      const result = owner ? await dialog.showSaveDialog(owner, options) : await dialog.showSaveDialog(options);
      if (result.canceled || !result.filePath) return { saved: false };
      await writeFile(result.filePath, file.text, 'utf8');
      return { saved: true, path: result.filePath };
    },
  };
}
