import { useEffect, useState } from 'react';
import { ColumnsGrid } from './features/columns/ColumnsGrid';
import { PromptPanel } from './features/editor/PromptPanel';
import { ImportDialog } from './features/files/ImportDialog';
import { importFile } from './features/files/import';
import { readPicked } from './features/files/deliver';
import { HistoryView } from './features/history/HistoryView';
import { LibraryView } from './features/library/LibraryView';
import { SaveDialog } from './features/library/SaveDialog';
import { saveDraft } from './features/library/actions';
import { messageOf } from './state/errors';
import { SettingsView } from './features/settings/SettingsView';
import { useRun } from './state/run';
import { useUi, type View } from './state/ui';
import { useWorkspace } from './state/workspace';

const VIEWS: { id: View; label: string }[] = [
  { id: 'editor', label: 'Editor' },
  { id: 'library', label: 'Library' },
  { id: 'history', label: 'History' },
  { id: 'settings', label: 'Settings' },
];

/** Esc in a field means "leave the field", not "stop the run". */
function isEditable(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

function UndoReplace(): React.JSX.Element | null {
  const previous = useWorkspace((s) => s.previous);
  const undo = useWorkspace((s) => s.undoReplace);
  if (!previous) return null;
  return (
    <button type="button" className="link" onClick={undo}>
      Bring back the previous draft
    </button>
  );
}

function RunControls(): React.JSX.Element {
  const running = useRun((s) => s.running);
  const start = useRun((s) => s.start);
  const stop = useRun((s) => s.stop);
  return (
    <div className="run-controls">
      <button type="button" className="primary" onClick={() => void start()} disabled={running} aria-keyshortcuts="Control+Enter Meta+Enter" title="Run (Ctrl/Cmd+Enter)">
        {running ? 'Running…' : 'Run'}
      </button>
      <button type="button" className="danger" onClick={() => void stop()} disabled={!running} aria-keyshortcuts="Escape" title="Stop every request (Esc)">
        Stop
      </button>
    </div>
  );
}

function SaveIndicator(): React.JSX.Element {
  const save = useWorkspace((s) => s.save);
  if (save.kind === 'error') {
    return (
      <span className="error-text" role="alert">
        {save.message}
      </span>
    );
  }
  return <span className="muted save-state">{save.kind === 'pending' ? 'Saving draft…' : 'Draft saved'}</span>;
}

export function App(): React.JSX.Element {
  const view = useUi((s) => s.view);
  const setView = useUi((s) => s.setView);
  const info = useUi((s) => s.info);
  const notice = useUi((s) => s.notice);
  const notify = useUi((s) => s.notify);
  const runError = useRun((s) => s.error);
  const [naming, setNaming] = useState(false);
  const [dropped, setDropped] = useState<{ file: { fileName: string; text: string }; error: string } | undefined>();

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const saveKey = (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's';
      // Never the browser's "Save page as…", even while a dialog is open.
      if (saveKey) event.preventDefault();
      // A key the editor or an open dialog already handled (Esc closing a suggestion or a dialog) is theirs.
      if (event.defaultPrevented && !saveKey) return;
      if (document.querySelector('dialog[open]')) return;
      if (saveKey) {
        if (useWorkspace.getState().promptId) saveDraft().then(notify, (e: unknown) => notify(messageOf(e)));
        else setNaming(true);
      } else if ((event.ctrlKey || event.metaKey) && event.key === 'Enter') {
        event.preventDefault();
        if (useUi.getState().view !== 'editor') useUi.getState().setView('editor');
        void useRun.getState().start();
      } else if (event.key === 'Escape' && useRun.getState().running && !isEditable(event.target)) {
        void useRun.getState().stop();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [notify]);

  // Files dropped anywhere on the window are imported.
  useEffect(() => {
    const onDragOver = (event: DragEvent): void => {
      if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
    };
    const onDrop = (event: DragEvent): void => {
      const file = event.dataTransfer?.files[0];
      if (!file) return;
      event.preventDefault();
      void readPicked(file)
        .then((picked) => importFile(picked).then(notify, (e: unknown) => setDropped({ file: picked, error: messageOf(e) })))
        .catch((e: unknown) => notify(messageOf(e)));
    };
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('drop', onDrop);
    };
  }, [notify]);

  return (
    <div className="app">
      <header className="topbar">
        <h1 className="brand">
          <span className="logo" aria-hidden="true" />
          Parallax
        </h1>
        <nav aria-label="Views" className="tabs" role="tablist">
          {VIEWS.map((v) => (
            <button key={v.id} type="button" role="tab" aria-selected={view === v.id} className={view === v.id ? 'tab active' : 'tab'} onClick={() => setView(v.id)}>
              {v.label}
            </button>
          ))}
        </nav>
        <div className="spacer" />
        <SaveIndicator />
        <RunControls />
      </header>
      {runError && (
        <div className="banner error-text" role="alert">
          {runError}
        </div>
      )}
      <main className={`view view-${view}`}>
        {view === 'editor' && (
          <>
            <PromptPanel />
            <ColumnsGrid />
          </>
        )}
        {view === 'library' && <LibraryView />}
        {view === 'history' && <HistoryView />}
        {view === 'settings' && <SettingsView />}
      </main>
      {naming && (
        <SaveDialog
          onClose={() => setNaming(false)}
          onSaved={(message) => {
            setNaming(false);
            notify(message);
          }}
        />
      )}
      {dropped && (
        <ImportDialog
          initialFile={dropped.file}
          initialError={dropped.error}
          onClose={() => setDropped(undefined)}
          onDone={(message) => {
            setDropped(undefined);
            notify(message);
          }}
        />
      )}
      <footer className="statusbar">
        {notice && (
          <span role="status" className="notice">
            {notice}
          </span>
        )}
        <UndoReplace />
        {info ? (
          <span>
            Parallax {info.version} · {info.door === 'web' ? 'browser mode' : 'desktop'} · data in {info.dataDir}
          </span>
        ) : (
          <span>Connecting…</span>
        )}
      </footer>
    </div>
  );
}
