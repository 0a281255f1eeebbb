import { useEffect, useState } from 'react';
import type { PromptSummary, PromptVersion, VersionSummary } from '../../../../shared/library';
import { api } from '../../bridge/current';
import { messageOf } from '../../state/errors';
import { useLibrary } from '../../state/library';
import { useRun } from '../../state/run';
import { useUi } from '../../state/ui';
import { ExportDialog } from '../files/ExportDialog';
import { formatMs } from '../columns/format';
import { DiffView } from './DiffView';
import { openVersion } from './actions';
import { versionText } from './versionText';

function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function runsAtAGlance(version: VersionSummary): string {
  if (version.runs.length === 0) return 'not run';
  const cells = version.runs.reduce((n, r) => n + r.cellCount, 0);
  const errors = version.runs.reduce((n, r) => n + r.errorCount, 0);
  const times = version.runs.map((r) => r.meanTotalMs).filter((t): t is number => t !== undefined);
  const mean = times.length > 0 ? ` · mean ${formatMs(times.reduce((a, b) => a + b, 0) / times.length)}` : '';
  return `${version.runs.length} run${version.runs.length === 1 ? '' : 's'} · ${cells} answers${errors > 0 ? ` · ${errors} failed` : ''}${mean}`;
}

function PromptList(): React.JSX.Element {
  const { query, prompts, listError, selectedId, search, select } = useLibrary();
  useEffect(() => {
    void search(useLibrary.getState().query);
  }, [search]);
  return (
    <section className="panel library-list" aria-labelledby="library-heading">
      <h2 id="library-heading">Library</h2>
      <input type="search" aria-label="Search prompts and outputs" placeholder="Search names, templates, outputs…" value={query} onChange={(e) => void search(e.target.value)} />
      {listError && (
        <p className="error-text" role="alert">
          {listError}
        </p>
      )}
      {prompts.length === 0 ? (
        <p className="empty">{query ? 'Nothing matches.' : 'No saved prompts yet. In the Editor, press Save (Ctrl+S) to keep the prompt here with its versions, or import a file.'}</p>
      ) : (
        <ul className="prompt-list" aria-label="Prompts">
          {prompts.map((p) => (
            <li key={p.id}>
              <button type="button" className={p.id === selectedId ? 'prompt-item active' : 'prompt-item'} aria-current={p.id === selectedId} onClick={() => void select(p.id)}>
                <strong>{p.name}</strong>
                <span className="muted">
                  v{p.latest.number}
                  {p.labels.map((l) => ` · ${l.label} → v${l.number}`).join('')}
                  {p.tags.length > 0 && ` · ${p.tags.join(', ')}`}
                </span>
                {p.match && <span className="match">{p.match}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function LabelEditor({ version, onDone }: { version: VersionSummary; onDone(): void }): React.JSX.Element {
  const [label, setLabel] = useState(version.label ?? '');
  const [error, setError] = useState<string | undefined>();
  return (
    <form
      className="row"
      onSubmit={(event) => {
        event.preventDefault();
        const value = label.trim();
        api()['library.label']({ versionId: version.id, ...(value ? { label: value } : {}) })
          .then(onDone)
          .catch((e: unknown) => setError(messageOf(e)));
      }}
    >
      <input aria-label={`Label for version ${version.number}`} value={label} onChange={(e) => setLabel(e.target.value)} placeholder="production" autoFocus />
      <button type="submit">Set label</button>
      {error && (
        <span className="error-text" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}

function PromptDetail(): React.JSX.Element | null {
  const { detail, detailError } = useLibrary();
  if (detailError) {
    return (
      <section className="panel">
        <p className="error-text" role="alert">
          {detailError}
        </p>
      </section>
    );
  }
  if (!detail) return <section className="panel empty">Pick a prompt to see its versions.</section>;
  // Keyed by prompt, so picking another prompt starts with nothing ticked or open.
  return <PromptVersions key={detail.prompt.id} prompt={detail.prompt} versions={detail.versions} />;
}

function PromptVersions({ prompt, versions }: { prompt: PromptSummary; versions: VersionSummary[] }): React.JSX.Element {
  const refresh = useLibrary((s) => s.refresh);
  const notify = useUi((s) => s.notify);
  const [compare, setCompare] = useState<string[]>([]);
  const [diff, setDiff] = useState<{ before: PromptVersion; after: PromptVersion } | undefined>();
  const [labelling, setLabelling] = useState<string | undefined>();
  const [exporting, setExporting] = useState<VersionSummary | undefined>();
  const [error, setError] = useState<string | undefined>();

  const toggle = (id: string): void => setCompare((current) => (current.includes(id) ? current.filter((c) => c !== id) : [...current.slice(-1), id]));
  const act = (work: Promise<unknown>): void => {
    setError(undefined);
    work.catch((e: unknown) => setError(messageOf(e)));
  };
  const showDiff = (): void =>
    act(
      Promise.all(compare.map((versionId) => api()['library.version']({ versionId }))).then((pair) => {
        const [a, b] = [...pair].sort((x, y) => x.number - y.number);
        if (a && b) setDiff({ before: a, after: b });
      }),
    );

  return (
    <section className="panel library-detail" aria-labelledby="prompt-detail-heading">
      <div className="row spread">
        <div>
          <h2 id="prompt-detail-heading">{prompt.name}</h2>
          {prompt.description && <p className="muted">{prompt.description}</p>}
        </div>
        <div className="row">
          <button type="button" disabled={compare.length !== 2} onClick={showDiff} title="Tick two versions to compare them">
            Compare selected versions
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => {
              if (window.confirm(`Remove ${prompt.name} and all its versions? Its runs stay in History.`)) {
                act(api()['library.remove']({ promptId: prompt.id }).then(() => useLibrary.getState().select(undefined)).then(refresh));
              }
            }}
          >
            Remove prompt
          </button>
        </div>
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <table aria-label={`Versions of ${prompt.name}`}>
        <thead>
          <tr>
            <th scope="col">Compare</th>
            <th scope="col">Version</th>
            <th scope="col">When</th>
            <th scope="col">Model</th>
            <th scope="col">Runs</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.id}>
              <td>
                <input type="checkbox" aria-label={`Compare version ${v.number}`} checked={compare.includes(v.id)} onChange={() => toggle(v.id)} />
              </td>
              <td>
                v{v.number} {v.label && <span className="badge">{v.label}</span>} <span className="muted">{v.source}</span>
              </td>
              <td>{when(v.createdAt)}</td>
              <td>{v.modelName ?? '–'}</td>
              <td>
                {v.runs.length === 0 ? (
                  runsAtAGlance(v)
                ) : (
                  <details>
                    <summary>{runsAtAGlance(v)}</summary>
                    <ul className="version-runs" aria-label={`Runs of version ${v.number}`}>
                      {v.runs.map((r) => (
                        <li key={r.runId}>
                          {when(r.createdAt)} · {r.status} · {r.cellCount} answers{r.errorCount > 0 ? ` · ${r.errorCount} failed` : ''}{' '}
                          <button
                            type="button"
                            className="link"
                            aria-label={`Open run from ${when(r.createdAt)}`}
                            onClick={() =>
                              act(
                                useRun
                                  .getState()
                                  .open(r.runId)
                                  .then(() => useUi.getState().setView('editor')),
                              )
                            }
                          >
                            Open
                          </button>
                        </li>
                      ))}
                    </ul>
                  </details>
                )}
              </td>
              <td>
                {labelling === v.id ? (
                  <LabelEditor
                    version={v}
                    onDone={() => {
                      setLabelling(undefined);
                      void refresh();
                    }}
                  />
                ) : (
                  <div className="row">
                    <button
                      type="button"
                      aria-label={`Open version ${v.number} in the editor`}
                      onClick={() =>
                        act(
                          api()['library.version']({ versionId: v.id })
                            .then((version) => {
                              openVersion(version);
                              useUi.getState().setView('editor');
                              notify(`Opened ${prompt.name} version ${v.number}.`);
                            }),
                        )
                      }
                    >
                      Open
                    </button>
                    <button
                      type="button"
                      aria-label={`Restore version ${v.number}`}
                      disabled={v.number === versions[0]?.number}
                      onClick={() =>
                        act(
                          api()['library.restore']({ versionId: v.id })
                            .then((saved) => {
                              notify(`Restored version ${v.number} as version ${saved.version.number}.`);
                              return refresh();
                            }),
                        )
                      }
                    >
                      Restore
                    </button>
                    <button type="button" aria-label={`Label version ${v.number}`} onClick={() => setLabelling(v.id)}>
                      Label
                    </button>
                    <button type="button" aria-label={`Export version ${v.number}`} onClick={() => setExporting(v)}>
                      Export
                    </button>
                  </div>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {diff && (
        <div className="diff-block">
          <div className="row spread">
            <h3>
              v{diff.before.number} → v{diff.after.number}
            </h3>
            <button type="button" onClick={() => setDiff(undefined)}>
              Close comparison
            </button>
          </div>
          <DiffView label={`Changes from version ${diff.before.number} to version ${diff.after.number}`} original={versionText(diff.before)} modified={versionText(diff.after)} />
        </div>
      )}
      {exporting && (
        <ExportDialog
          versionId={exporting.id}
          title={`Export ${prompt.name} version ${exporting.number}`}
          onClose={() => setExporting(undefined)}
          onDone={(message) => {
            setExporting(undefined);
            notify(message);
          }}
        />
      )}
    </section>
  );
}

export function LibraryView(): React.JSX.Element {
  return (
    <>
      <PromptList />
      <PromptDetail />
    </>
  );
}
