import { api } from '../../bridge/current';
import { useLibrary } from '../../state/library';
import { useUi } from '../../state/ui';
import { useWorkspace } from '../../state/workspace';
import { isExperimentFile, readPicked } from './deliver';

/**
 * Imports a file: a promptfooconfig opens in the editor as the draft; a prompt file becomes
 * a new library prompt. Returns a sentence for the status line; throws with the reason.
 */
export async function importFile(file: File | { fileName: string; text: string }, name?: string): Promise<string> {
  const { fileName, text } = file instanceof File ? await readPicked(file) : file;
  if (isExperimentFile(fileName)) {
    const { workspace, warnings, providersAdded } = await api()['files.importExperiment']({ fileName, text });
    useWorkspace.getState().replace(workspace);
    useLibrary.getState().setLinked(undefined);
    useUi.getState().setView('editor');
    const added = providersAdded.length > 0 ? ` Added providers: ${providersAdded.join(', ')} (Parallax sends them nothing until you confirm them in Settings and choose their keys).` : '';
    return `Opened ${fileName} in the editor.${added}${warnings.length > 0 ? ` Note: ${warnings.join(' ')}` : ''}`;
  }
  const { prompt, version, warnings } = await api()['files.importPrompt']({ fileName, text, ...(name ? { name } : {}) });
  await useLibrary.getState().refresh();
  void useLibrary.getState().select(prompt.id);
  useUi.getState().setView('library');
  return `Imported ${prompt.name} (version ${version.number}).${warnings.length > 0 ? ` Note: ${warnings.join(' ')}` : ''}`;
}
