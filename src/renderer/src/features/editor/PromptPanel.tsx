import { useEffect } from 'react';
import type { Role } from '../../../../shared/schemas';
import { setHoverRow, setKnownVariables } from '../../monaco/template-language';
import { useTemplateVariables, useWorkspace } from '../../state/workspace';
import { RunEstimate } from '../estimate/RunEstimate';
import { PreviewPanel } from '../preview/PreviewPanel';
import { MessageEditor, roleLabel } from './MessageEditor';
import { PromptBar } from './PromptBar';
import { ToolsPanel } from './ToolsPanel';
import { useTableColumns } from './useTableColumns';

/** "System message", "User message", and a number when a role repeats: "User message 2". */
function labels(roles: readonly Role[]): string[] {
  const seen = new Map<Role, number>();
  return roles.map((role) => {
    const n = (seen.get(role) ?? 0) + 1;
    seen.set(role, n);
    return `${roleLabel(role)} message${n > 1 ? ` ${n}` : ''}`;
  });
}

/** Keeps the editor's completion and hover in step with the template, the table and the selected row. */
function useLanguageContext(): void {
  const names = useTemplateVariables();
  const columns = useTableColumns();
  const key = [...new Set([...names, ...columns])].join('\u0000');
  useEffect(() => setKnownVariables(key === '' ? [] : key.split('\u0000')), [key]);
  const row = useWorkspace((s) => s.testCases[s.selectedCase]?.vars);
  const rowIndex = useWorkspace((s) => s.selectedCase);
  useEffect(() => setHoverRow(row, rowIndex), [row, rowIndex]);
}

export function PromptPanel(): React.JSX.Element {
  const roles = useWorkspace((s) => s.messages.map((m) => m.role).join(','));
  const addMessage = useWorkspace((s) => s.addMessage);
  const roleList = roles.split(',') as Role[];
  const names = labels(roleList);
  useLanguageContext();
  return (
    <section className="panel prompt" aria-labelledby="prompt-heading">
      <h2 id="prompt-heading">Prompt</h2>
      <PromptBar />
      <RunEstimate />
      <div className="prompt-messages">
        {roleList.map((_, index) => (
          <MessageEditor key={index} index={index} label={names[index] ?? `Message ${index + 1}`} count={roleList.length} />
        ))}
      </div>
      <div className="row">
        <button type="button" onClick={() => addMessage(roleList.at(-1) === 'user' ? 'assistant' : 'user')}>
          Add message
        </button>
      </div>
      <ToolsPanel />
      <PreviewPanel />
    </section>
  );
}
