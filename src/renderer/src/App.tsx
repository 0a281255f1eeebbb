import { useEffect } from 'react';
import { ColumnsGrid } from './features/columns/ColumnsGrid';
import { PromptPanel } from './features/editor/PromptPanel';
import { HistoryView } from './features/history/HistoryView';
import { SettingsView } from './features/settings/SettingsView';
import { useRun } from './state/run';
import { useUi, type View } from './state/ui';
import { useWorkspace } from './state/workspace';

const VIEWS: { id: View; label: string }[] = [
  { id: 'editor', label: 'Editor' },
  { id: 'history', label: 'History' },
  { id: 'settings', label: 'Settings' },
];

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
  const runError = useRun((s) => s.error);

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if ((event.ctrlKey || event.metaKey) && event.key === 'Enter') {
        event.preventDefault();
        if (useUi.getState().view !== 'editor') useUi.getState().setView('editor');
        void useRun.getState().start();
      } else if (event.key === 'Escape' && useRun.getState().running) {
        void useRun.getState().stop();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

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
        {view === 'history' && <HistoryView />}
        {view === 'settings' && <SettingsView />}
      </main>
      <footer className="statusbar">
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
