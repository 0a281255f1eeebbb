/**
 * The run's side of several raters: "Export ballot…" hands the blind pairs to colleagues as a
 * file, "Import votes…" merges the votes files they send back (src/shared/judging/ballot.ts).
 */
import { useRef, useState } from 'react';
import { api } from '../../bridge/current';
import { messageOf } from '../../state/errors';
import { deliverFile, readPicked } from '../files/deliver';

type Outcome = { kind: 'idle' } | { kind: 'busy'; what: string } | { kind: 'done'; message: string } | { kind: 'error'; message: string };

export function BallotTools({ runId }: { runId: string }): React.JSX.Element {
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'idle' });
  const picker = useRef<HTMLInputElement>(null);

  const exportBallot = async (): Promise<void> => {
    setOutcome({ kind: 'busy', what: 'Exporting the ballot…' });
    try {
      const where = await deliverFile(await api()['judge.exportBallot']({ runId }));
      setOutcome(where ? { kind: 'done', message: `${where} Send it to the people who should vote: it holds the answers without their variants.` } : { kind: 'idle' });
    } catch (error) {
      setOutcome({ kind: 'error', message: `Could not export the ballot: ${messageOf(error)}` });
    }
  };

  const importVotes = async (files: FileList | null): Promise<void> => {
    const picked = [...(files ?? [])];
    if (picked.length === 0) return;
    setOutcome({ kind: 'busy', what: 'Importing votes…' });
    const lines: string[] = [];
    let failed = false;
    for (const file of picked) {
      try {
        const { text } = await readPicked(file);
        const r = await api()['judge.importVotes']({ runId, text });
        lines.push(`${r.rater}: ${r.added} added, ${r.changed} changed, ${r.unchanged} already here.`);
      } catch (error) {
        failed = true;
        lines.push(`${file.name}: ${messageOf(error)}`);
      }
    }
    setOutcome(failed ? { kind: 'error', message: lines.join(' ') } : { kind: 'done', message: `Votes imported. ${lines.join(' ')}` });
  };

  return (
    <div className="ballot-tools" role="group" aria-label="Other raters">
      <button type="button" onClick={() => void exportBallot()} disabled={outcome.kind === 'busy'}>
        Export ballot…
      </button>
      <button type="button" onClick={() => picker.current?.click()} disabled={outcome.kind === 'busy'}>
        Import votes…
      </button>
      <input
        ref={picker}
        type="file"
        accept=".json,application/json"
        multiple
        hidden
        aria-label="Votes files to import"
        onChange={(e) => {
          void importVotes(e.target.files);
          e.target.value = '';
        }}
      />
      {outcome.kind === 'busy' && (
        <span className="muted" role="status">
          {outcome.what}
        </span>
      )}
      {outcome.kind === 'done' && (
        <span className="muted" role="status">
          {outcome.message}
        </span>
      )}
      {outcome.kind === 'error' && (
        <span className="error-text" role="alert">
          {outcome.message}
        </span>
      )}
    </div>
  );
}
