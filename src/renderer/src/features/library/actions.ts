/** What the editor and the library do with prompts, shared by buttons and shortcuts. */
import type { PromptVersion } from '../../../../shared/library';
import { api } from '../../bridge/current';
import { useLibrary } from '../../state/library';
import { snapshot, useWorkspace } from '../../state/workspace';

/**
 * Saves the draft: as a new version of its library prompt, or as a new prompt. Returns a
 * sentence for the status line.
 */
export async function saveDraft(options: { newPrompt?: { name: string; description: string; tags: string[] } } = {}): Promise<string> {
  const { messages, variables, columns, promptId } = snapshot();
  // Main decides which model the version records, from the columns.
  const content = { messages, variables, columns };
  let result;
  if (options.newPrompt || promptId === undefined) {
    if (!options.newPrompt) throw new Error('Give the prompt a name first.');
    result = await api()['library.save']({ ...options.newPrompt, ...content });
  } else {
    const { prompt } = await api()['library.get']({ promptId });
    result = await api()['library.save']({ promptId, name: prompt.name, description: prompt.description, tags: prompt.tags, ...content });
  }
  useLibrary.getState().setLinked(result.version);
  void useLibrary.getState().refresh();
  return result.created ? `Saved ${result.prompt.name} as version ${result.version.number}.` : `No changes since version ${result.version.number} of ${result.prompt.name}.`;
}

/** Puts a version into the editor; the comparison columns stay as they are. */
export function openVersion(version: PromptVersion): void {
  const { columns } = useWorkspace.getState();
  useWorkspace.getState().replace({ messages: version.messages, variables: version.variables, columns });
  useLibrary.getState().setLinked(version);
}
