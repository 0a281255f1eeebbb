import { useEffect, useState } from 'react';
import type { VersionSummary } from '../../../../shared/library';
import { api } from '../../bridge/current';
import { messageOf } from '../../state/errors';
import { useLibrary } from '../../state/library';

interface Props {
  of: string;
  versionId: string | undefined;
  onChange(versionId: string | undefined): void;
}

const DRAFT = '';

/** A variant's prompt: the draft in the editor, or a saved version from the library. */
export function PromptPicker({ of, versionId, onChange }: Props): React.JSX.Element {
  const prompts = useLibrary((s) => s.prompts);
  const [promptId, setPromptId] = useState<string | undefined>();
  const [loaded, setLoaded] = useState<{ promptId: string; versions: VersionSummary[] } | undefined>();
  const versions = loaded && loaded.promptId === promptId ? loaded.versions : undefined;
  const [error, setError] = useState<string | undefined>();

  // The prompt a chosen version belongs to, when the variant came with one.
  useEffect(() => {
    if (!versionId || promptId) return;
    let live = true;
    const read = api()['library.version'];
    read({ versionId })
      .then((v) => live && setPromptId(v.promptId))
      .catch((e: unknown) => live && setError(`The library version of this variant could not be read: ${messageOf(e)}`));
    return () => {
      live = false;
    };
  }, [versionId, promptId]);

  useEffect(() => {
    if (!promptId) return;
    let live = true;
    const read = api()['library.get'];
    read({ promptId })
      .then((d) => {
        if (!live) return;
        setLoaded({ promptId, versions: d.versions });
        setError(undefined);
      })
      .catch((e: unknown) => live && setError(messageOf(e)));
    return () => {
      live = false;
    };
  }, [promptId]);

  return (
    <div className="row prompt-picker">
      <label>
        <span>Prompt</span>
        <select
          aria-label={`Prompt for ${of}`}
          value={promptId ?? DRAFT}
          onChange={(e) => {
            const id = e.target.value;
            if (id === DRAFT) {
              setPromptId(undefined);
              onChange(undefined);
              return;
            }
            setPromptId(id);
            // The newest version until another is picked.
            const latest = prompts.find((p) => p.id === id)?.latest.id;
            onChange(latest);
          }}
        >
          <option value={DRAFT}>Draft in the editor</option>
          {prompts.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      {promptId && (
        <label>
          <span>Version</span>
          <select aria-label={`Version for ${of}`} value={versionId ?? ''} onChange={(e) => onChange(e.target.value || undefined)}>
            {!versions && <option value={versionId ?? ''}>Loading…</option>}
            {versions?.map((v) => (
              <option key={v.id} value={v.id}>
                v{v.number}
                {v.label ? ` (${v.label})` : ''}
              </option>
            ))}
          </select>
        </label>
      )}
      {error && (
        <p className="hint error-text" role="alert">
          {error}
        </p>
      )}
      {prompts.length === 0 && !promptId && <p className="hint muted">Save a prompt to the library to run one of its versions here.</p>}
    </div>
  );
}
