import { useState } from 'react';
import { api } from '../../bridge/current';
import { messageOf } from '../../state/errors';
import { useDraftEdited, useLibrary } from '../../state/library';
import { useUi } from '../../state/ui';
import { snapshot, useWorkspace } from '../../state/workspace';
import { deliverFile } from '../files/deliver';
import { ExportDialog } from '../files/ExportDialog';
import { ImportDialog } from '../files/ImportDialog';
import { saveDraft } from '../library/actions';
import { SaveDialog } from '../library/SaveDialog';

type Open = 'save' | 'export' | 'import' | undefined;

/** Which library prompt the draft is, and the file and library actions on it. */
export function PromptBar(): React.JSX.Element {
  const promptId = useWorkspace((s) => s.promptId);
  const linked = useLibrary((s) => s.linked);
  const prompts = useLibrary((s) => s.prompts);
  const edited = useDraftEdited();
  const notify = useUi((s) => s.notify);
  const [open, setOpen] = useState<Open>();
  const [error, setError] = useState<string | undefined>();
  const name = prompts.find((p) => p.id === promptId)?.name;

  const done = (message: string): void => {
    setOpen(undefined);
    notify(message);
  };
  const fail = (e: unknown): void => setError(messageOf(e));

  return (
    <div className="prompt-bar" role="toolbar" aria-label="Prompt file">
      <span className="prompt-name">
        {promptId && linked ? (
          <>
            <strong>{name ?? 'Library prompt'}</strong> <span className="muted">v{linked.number}</span>
            {edited && <span className="badge">edited</span>}
          </>
        ) : (
          <span className="muted">Unsaved draft</span>
        )}
      </span>
      <button
        type="button"
        title="Save to the library (Ctrl/Cmd+S)"
        aria-keyshortcuts="Control+S Meta+S"
        onClick={() => {
          setError(undefined);
          if (promptId) saveDraft().then(notify).catch(fail);
          else setOpen('save');
        }}
      >
        Save
      </button>
      <button type="button" onClick={() => setOpen('save')}>
        Save as new…
      </button>
      <button
        type="button"
        disabled={!linked}
        title={linked ? 'Export the saved version' : 'Save the prompt first'}
        onClick={() => {
          setError(undefined);
          if (linked && edited) saveDraft().then(notify).then(() => setOpen('export')).catch(fail);
          else setOpen('export');
        }}
      >
        Export…
      </button>
      <button type="button" onClick={() => setOpen('import')}>
        Import…
      </button>
      <button
        type="button"
        title="The draft as a promptfoo config: prompts, providers (no keys) and its test"
        onClick={() => {
          setError(undefined);
          api()['files.exportExperiment'](snapshot())
            .then(deliverFile)
            .then((message) => message && notify(message))
            .catch(fail);
        }}
      >
        Export promptfooconfig
      </button>
      {error && (
        <span className="error-text" role="alert">
          {error}
        </span>
      )}
      {open === 'save' && <SaveDialog initialName={name ? `${name} copy` : ''} onClose={() => setOpen(undefined)} onSaved={done} />}
      {open === 'export' && linked && (
        <ExportDialog versionId={useLibrary.getState().linked?.id ?? linked.id} title={`Export ${name ?? 'prompt'}`} onClose={() => setOpen(undefined)} onDone={done} />
      )}
      {open === 'import' && <ImportDialog onClose={() => setOpen(undefined)} onDone={done} />}
    </div>
  );
}
