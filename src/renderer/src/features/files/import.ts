import { api } from '../../bridge/current';
import { useLibrary } from '../../state/library';
import { useUi } from '../../state/ui';
import { useWorkspace } from '../../state/workspace';
import { isExperimentFile, readPicked } from './deliver';

/**
 * Imports a file: a promptfooconfig opens in the editor as the draft; a prompt file becomes
 * a new library prompt. Returns a sentence for the status line; throws with the reason.
 */
/** The files picked or dropped with a .prompty or a promptfoo config (what it names), by their own names; too large or binary ones are left out. */
async function readSiblings(files: readonly File[]): Promise<Array<{ name: string; text: string }>> {
  const out: Array<{ name: string; text: string }> = [];
  for (const file of files.slice(0, 50)) {
    if (file.size > 1_000_000) continue;
    try {
      const picked = await readPicked(file);
      if (picked.text.length <= 1_000_000) out.push({ name: picked.fileName, text: picked.text });
    } catch {
      // Not text: the import names any file it needed and did not get.
    }
  }
  return out;
}

/**
 * Of files picked or dropped together: the .prompty to import, else the promptfoo config (a
 * `promptfooconfig` name first, else the first YAML file), else the first; and the rest beside
 * it (what the .prompty or the config names: bases, includes, nunjucksFilters, `file://` values).
 */
export function splitPicked(files: readonly File[]): { main: File | undefined; siblings: File[] } {
  const main =
    files.find((f) => /\.prompty$/i.test(f.name)) ??
    files.find((f) => isExperimentFile(f.name) && /promptfooconfig/i.test(f.name)) ??
    files.find((f) => isExperimentFile(f.name)) ??
    files[0];
  const takesSiblings = main !== undefined && (/\.prompty$/i.test(main.name) || isExperimentFile(main.name));
  return { main, siblings: takesSiblings ? files.filter((f) => f !== main) : [] };
}

export async function importFile(file: File | { fileName: string; text: string }, name?: string, siblingFiles: readonly File[] = []): Promise<string> {
  const { fileName, text } = file instanceof File ? await readPicked(file) : file;
  const siblings = siblingFiles.length > 0 ? await readSiblings(siblingFiles) : [];
  if (isExperimentFile(fileName)) {
    const { workspace, warnings, providersAdded } = await api()['files.importExperiment']({ fileName, text, ...(siblings.length > 0 ? { siblings } : {}) });
    useWorkspace.getState().replace(workspace);
    useLibrary.getState().setLinked(undefined);
    useUi.getState().setView('editor');
    const added = providersAdded.length > 0 ? ` Added providers: ${providersAdded.join(', ')} (Parallax sends them nothing until you confirm them in Settings and choose their keys).` : '';
    return `Opened ${fileName} in the editor.${added}${warnings.length > 0 ? ` Note: ${warnings.join(' ')}` : ''}`;
  }
  const { prompt, version, warnings } = await api()['files.importPrompt']({ fileName, text, ...(name ? { name } : {}), ...(siblings.length > 0 ? { siblings } : {}) });
  await useLibrary.getState().refresh();
  void useLibrary.getState().select(prompt.id);
  useUi.getState().setView('library');
  return `Imported ${prompt.name} (version ${version.number}).${warnings.length > 0 ? ` Note: ${warnings.join(' ')}` : ''}`;
}
