import { useEffect, useRef, useState } from 'react';
import { MAX_REPEATS } from '../../shared/schemas';
import { CasesTable } from './features/cases/CasesTable';
import { VariantsPanel } from './features/columns/VariantsPanel';
import { PromptPanel } from './features/editor/PromptPanel';
import { ImportDialog } from './features/files/ImportDialog';
import { ImportCasesDialog } from './features/cases/ImportCasesDialog';
import { BiasProbeDialog } from './features/bias/BiasProbeDialog';
import { importFile, splitPicked } from './features/files/import';
import { readPicked } from './features/files/deliver';
import { useEditorTab, type EditorTab } from './features/grid/editorTab';
import { ResultsGrid } from './features/grid/ResultsGrid';
import { ChecksEditor } from './features/checks/ChecksEditor';
import { StaleTokenBanner } from './features/connection/StaleTokenBanner';
import { PairwiseView } from './features/judge/PairwiseView';
import { BallotTools } from './features/judge/BallotTools';
import { JudgeTab } from './features/judge/JudgeTab';
import { VerdictPanel } from './features/verdict/VerdictPanel';
import { WritingHelp } from './features/author/WritingHelp';
import { RunProgress } from './features/grid/RunProgress';
import { HistoryView } from './features/history/HistoryView';
import { LibraryView } from './features/library/LibraryView';
import { SaveDialog } from './features/library/SaveDialog';
import { saveDraft } from './features/library/actions';
import { messageOf } from './state/errors';
import { SettingsView } from './features/settings/SettingsView';
import { useRun } from './state/run';
import { useUi, type View } from './state/ui';
import { useTemplateVariables, useWorkspace } from './state/workspace';
import './features/grid/layout.css';

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

/**
 * A row of tabs with the keyboard of a real tablist: arrows move and select, Home/End jump,
 * and only the selected tab is in the Tab order.
 */
function TabList<T extends string>({
  label,
  tabs,
  selected,
  onSelect,
  idPrefix,
  className,
}: {
  label: string;
  tabs: readonly { id: T; label: string }[];
  selected: T;
  onSelect(id: T): void;
  idPrefix: string;
  className: string;
}): React.JSX.Element {
  const ref = useRef<HTMLDivElement>(null);
  const move = (to: number): void => {
    const tab = tabs[(to + tabs.length) % tabs.length];
    if (!tab) return;
    onSelect(tab.id);
    ref.current?.querySelector<HTMLElement>(`#${idPrefix}-tab-${tab.id}`)?.focus();
  };
  const at = tabs.findIndex((t) => t.id === selected);
  return (
    <div
      ref={ref}
      role="tablist"
      aria-label={label}
      className={className}
      onKeyDown={(event) => {
        const keys: Record<string, number> = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 };
        const to = keys[event.key];
        if (to === undefined) return;
        event.preventDefault();
        move(to);
      }}
    >
      {tabs.map((t) => (
        <button
          key={t.id}
          id={`${idPrefix}-tab-${t.id}`}
          type="button"
          role="tab"
          aria-selected={selected === t.id}
          aria-controls={`${idPrefix}-panel-${t.id}`}
          tabIndex={selected === t.id ? 0 : -1}
          className={selected === t.id ? 'tab active' : 'tab'}
          onClick={() => onSelect(t.id)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

const EDITOR_TABS: { id: EditorTab; label: string }[] = [
  { id: 'cases', label: 'Test cases' },
  { id: 'variants', label: 'Variants' },
  { id: 'checks', label: 'Checks' },
  { id: 'results', label: 'Results' },
  { id: 'judge', label: 'Judge' },
  { id: 'verdict', label: 'Verdict' },
  { id: 'author', label: 'Writing help' },
];

/** Judging needs a run: the one in the Results tab. */
function ForRun({ children, what }: { children: (runId: string) => React.ReactNode; what: string }): React.JSX.Element {
  const runId = useRun((s) => s.runId);
  if (!runId) return <p className="empty">Run the matrix (Ctrl/Cmd+Enter), or open a run from History, to {what}.</p>;
  return <>{children(runId)}</>;
}

function MatrixPanel(): React.JSX.Element {
  const tab = useEditorTab((s) => s.tab);
  const setTab = useEditorTab((s) => s.setTab);
  return (
    <section className="panel matrix" aria-label="Test cases, variants and results">
      <TabList label="Matrix" tabs={EDITOR_TABS} selected={tab} onSelect={setTab} idPrefix="matrix" className="tabs matrix-tabs" />
      <div role="tabpanel" id={`matrix-panel-${tab}`} aria-labelledby={`matrix-tab-${tab}`} className="matrix-panel">
        {tab === 'cases' && <CasesTable />}
        {tab === 'variants' && <VariantsPanel />}
        {tab === 'checks' && <ChecksEditor />}
        {tab === 'results' && <ResultsGrid />}
        {tab === 'judge' && (
          <JudgeTab>
            <ForRun what="judge its answers side by side">
              {(runId) => (
                <>
                  <BallotTools runId={runId} />
                  <PairwiseView key={runId} runId={runId} />
                </>
              )}
            </ForRun>
          </JudgeTab>
        )}
        {tab === 'verdict' && <ForRun what="see its verdict">{(runId) => <VerdictPanel key={runId} runId={runId} />}</ForRun>}
        {tab === 'author' && <WritingHelp />}
      </div>
    </section>
  );
}

function RunOptions(): React.JSX.Element {
  const repeats = useWorkspace((s) => s.repeats);
  const useCache = useWorkspace((s) => s.useCache);
  const setRepeats = useWorkspace((s) => s.setRepeats);
  const setUseCache = useWorkspace((s) => s.setUseCache);
  const [text, setText] = useState<string | undefined>();
  return (
    <div className="run-options">
      <label title={`Ask each cell this many times (1–${MAX_REPEATS}) to see how much answers vary`}>
        <span>Repeats</span>
        <input
          type="number"
          aria-label="Repeats"
          min={1}
          max={MAX_REPEATS}
          step={1}
          value={text ?? String(repeats)}
          onChange={(e) => {
            setText(e.target.value);
            const n = Number(e.target.value);
            if (Number.isInteger(n) && n >= 1 && n <= MAX_REPEATS) setRepeats(n);
          }}
          onBlur={() => setText(undefined)}
        />
      </label>
      <label title="Answer unchanged requests from the response cache (never for repeats after the first)">
        <input type="checkbox" checked={useCache} onChange={(e) => setUseCache(e.target.checked)} />
        <span>Use cache</span>
      </label>
    </div>
  );
}

function RunControls(): React.JSX.Element {
  const running = useRun((s) => s.running);
  const start = useRun((s) => s.start);
  const stop = useRun((s) => s.stop);
  return (
    <div className="run-controls">
      <RunProgress label="Cells finished" compact />
      <RunOptions />
      <button type="button" className="primary" onClick={() => void start()} disabled={running} aria-keyshortcuts="Control+Enter Meta+Enter" title="Run (Ctrl/Cmd+Enter)">
        {running ? 'Running…' : 'Run'}
      </button>
      <button type="button" className="danger" onClick={() => void stop()} disabled={!running} aria-keyshortcuts="Escape" title="Stop every request (Esc)">
        Stop
      </button>
    </div>
  );
}

/** The note about what just happened: wraps when long, fades after a while, stays while pointed at or focused. */
function Notice(): React.JSX.Element {
  const notice = useUi((s) => s.notice);
  const leaving = useUi((s) => s.noticeLeaving);
  const hold = useUi((s) => s.holdNotice);
  const notify = useUi((s) => s.notify);
  // The live region stays in the page so screen readers announce each new note; the dismiss button is outside it.
  return (
    <div className={leaving ? 'notice leaving' : 'notice'} onMouseEnter={() => hold(true)} onMouseLeave={() => hold(false)}>
      <span role={notice ? 'status' : undefined} aria-live="polite" className="notice-text">
        {notice}
      </span>
      {notice && (
        <button
          type="button"
          className="ghost notice-close"
          aria-label="Dismiss note"
          title="Dismiss note"
          onFocus={() => hold(true)}
          onBlur={() => hold(false)}
          onClick={() => {
            hold(false);
            notify(undefined);
          }}
        >
          ✕
        </button>
      )}
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
  const notify = useUi((s) => s.notify);
  const runError = useRun((s) => s.error);
  const [naming, setNaming] = useState(false);
  const [dropped, setDropped] = useState<{ file: { fileName: string; text: string }; error: string } | undefined>();
  const [droppedCases, setDroppedCases] = useState<{ fileName: string; text: string } | undefined>();
  const templateVariables = useTemplateVariables();

  // A run refused for its template or rows says so until the draft changes: then it may be fixed.
  useEffect(
    () =>
      useWorkspace.subscribe((state, previous) => {
        if (useRun.getState().error && (state.messages !== previous.messages || state.testCases !== previous.testCases || state.columns !== previous.columns)) {
          useRun.setState({ error: undefined });
        }
      }),
    [],
  );

  // A run started (or opened from History) is read in Results.
  useEffect(
    () =>
      useRun.subscribe((state, previous) => {
        if (state.runId && state.runId !== previous.runId) useEditorTab.getState().setTab('results');
      }),
    [],
  );

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
      // Files dropped together with a .prompty are the files it names (base, ${file:…}, includes).
      const { main: file, siblings } = splitPicked([...(event.dataTransfer?.files ?? [])]);
      if (!file) return;
      event.preventDefault();
      void readPicked(file)
        .then((picked) => {
          // A table of test cases goes to the test-case table; anything else is a prompt or an experiment.
          if (/\.(csv|tsv|jsonl|ndjson)$/i.test(picked.fileName)) {
            useEditorTab.getState().setTab('cases');
            setDroppedCases(picked);
            return;
          }
          return importFile(picked, undefined, siblings).then(notify, (e: unknown) => setDropped({ file: picked, error: messageOf(e) }));
        })
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
        <nav aria-label="Views">
          <TabList label="Views" tabs={VIEWS} selected={view} onSelect={setView} idPrefix="view" className="tabs" />
        </nav>
        <div className="spacer" />
        <SaveIndicator />
        <RunControls />
      </header>
      <StaleTokenBanner />
      {runError && (
        <div className="banner error-text row spread" role="alert">
          <span>{runError}</span>
          <button type="button" className="link" onClick={() => useRun.setState({ error: undefined })}>
            Dismiss
          </button>
        </div>
      )}
      <main className={`view view-${view}`} role="tabpanel" id={`view-panel-${view}`} aria-labelledby={`view-tab-${view}`}>
        {view === 'editor' && (
          <>
            <PromptPanel />
            <MatrixPanel />
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
      {droppedCases && <ImportCasesDialog variables={templateVariables} initialFile={droppedCases} onClose={() => setDroppedCases(undefined)} />}
      <BiasProbeDialog />
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
        <Notice />
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
