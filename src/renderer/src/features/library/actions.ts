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
  const { messages, testCases, selectedCase, columns, promptId, tools, toolChoice } = snapshot();
  // A version keeps the selected row's values as its sample; main picks its model from the columns (with the tools).
  const variables = testCases[selectedCase]?.vars ?? testCases[0]?.vars ?? {};
  const content = { messages, variables, columns, ...(tools ? { tools } : {}), ...(toolChoice !== undefined ? { toolChoice } : {}) };
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

/**
 * Puts a version into the editor. The variants and the test-case table stay; when the table is
 * one empty row, the version's sample values fill it.
 */
export function openVersion(version: PromptVersion): void {
  const current = snapshot();
  const blank = current.testCases.length === 1 && Object.values(current.testCases[0]?.vars ?? {}).every((v) => v === '' || v === null);
  const testCases = blank && Object.keys(version.variables).length > 0 ? [{ id: crypto.randomUUID(), vars: { ...version.variables } }] : current.testCases;
  // The version's tools (kept in its model's parameters) come with its messages.
  const { tools, toolChoice } = version.model?.params ?? {};
  const { tools: _tools, toolChoice: _choice, ...rest } = current;
  useWorkspace.getState().replace({ ...rest, messages: version.messages, testCases, selectedCase: blank ? 0 : current.selectedCase, ...(tools ? { tools } : {}), ...(toolChoice !== undefined ? { toolChoice } : {}) });
  useLibrary.getState().setLinked(version);
}
