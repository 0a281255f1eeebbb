import { useEffect } from 'react';
import type { Role } from '../../../../shared/schemas';
import { setKnownVariables } from '../../monaco/template-language';
import { useTemplateVariables, useWorkspace } from '../../state/workspace';
import { MessageEditor, roleLabel } from './MessageEditor';
import { PromptBar } from './PromptBar';

/** "System message", "User message", and a number when a role repeats: "User message 2". */
function labels(roles: readonly Role[]): string[] {
  const seen = new Map<Role, number>();
  return roles.map((role) => {
    const n = (seen.get(role) ?? 0) + 1;
    seen.set(role, n);
    return `${roleLabel(role)} message${n > 1 ? ` ${n}` : ''}`;
  });
}

export function PromptPanel(): React.JSX.Element {
  const roles = useWorkspace((s) => s.messages.map((m) => m.role).join(','));
  const addMessage = useWorkspace((s) => s.addMessage);
  const roleList = roles.split(',') as Role[];
  const names = labels(roleList);
  return (
    <section className="panel prompt" aria-labelledby="prompt-heading">
      <h2 id="prompt-heading">Prompt</h2>
      <PromptBar />
      {roleList.map((_, index) => (
        <MessageEditor key={index} index={index} label={names[index] ?? `Message ${index + 1}`} canRemove={roleList.length > 1} />
      ))}
      <div className="row">
        <button type="button" onClick={() => addMessage(roleList.at(-1) === 'user' ? 'assistant' : 'user')}>
          Add message
        </button>
      </div>
      <VariablesPanel />
    </section>
  );
}

export function VariablesPanel(): React.JSX.Element {
  const names = useTemplateVariables();
  const values = useWorkspace((s) => s.variables);
  const setVariable = useWorkspace((s) => s.setVariable);
  const key = names.join('\u0000');
  useEffect(() => setKnownVariables(key === '' ? [] : key.split('\u0000')), [key]);
  return (
    <section className="variables" aria-labelledby="variables-heading">
      <h3 id="variables-heading">Variables</h3>
      {names.length === 0 ? (
        <p className="muted">No variables yet. Type {'{{name}}'} in a message and a field for it appears here.</p>
      ) : (
        names.map((name) => (
          <label key={name} className="variable">
            <span className="variable-name">{name}</span>
            <textarea rows={Math.min(6, Math.max(1, (values[name] ?? '').split('\n').length))} value={values[name] ?? ''} onChange={(e) => setVariable(name, e.target.value)} />
          </label>
        ))
      )}
    </section>
  );
}
