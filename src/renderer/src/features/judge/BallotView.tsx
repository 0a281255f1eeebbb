/**
 * Voting on someone else's ballot: "Open ballot…" reads the file, the pairs show as the Judge
 * shows a run's (Left and Right, no names), and "Export votes" writes the votes file to send
 * back, signed with the name from Settings (editable here).
 */
import { useEffect, useRef, useState } from 'react';
import type { VoteOutcome } from '../../../../shared/contract';
import { MAX_BALLOT_FILE_CHARS, parseBallot, votesFileText } from '../../../../shared/judging/ballot';
import { raterNameSchema } from '../../../../shared/judging/raters';
import { decodeTextFile } from '../../../../shared/text-file';
import { api } from '../../bridge/current';
import { useBallot } from '../../state/ballot';
import { messageOf } from '../../state/errors';
import { AnswerView } from '../answer/AnswerView';
import { deliverFile } from '../files/deliver';
import './judge.css';

const VOTES: readonly { key: string; outcome: VoteOutcome; label: string }[] = [
  { key: '1', outcome: 'left', label: 'Left is better (1)' },
  { key: '2', outcome: 'right', label: 'Right is better (2)' },
  { key: '3', outcome: 'tie', label: 'Tie (3)' },
  { key: '4', outcome: 'both_bad', label: 'Both bad (4)' },
  { key: 's', outcome: 'skip', label: 'Skip (S)' },
];

/** Reads a ballot file the person picked; a sentence saying why when it is not one. */
export async function readBallotFile(file: File): Promise<void> {
  if (file.size > MAX_BALLOT_FILE_CHARS) throw new Error(`${file.name} is larger than ${MAX_BALLOT_FILE_CHARS / 1024 / 1024} MB: is it a ballot?`);
  const decoded = decodeTextFile(new Uint8Array(await file.arrayBuffer()));
  if (!decoded.ok) throw new Error(`${file.name} cannot be opened: ${decoded.reason}.`);
  const parsed = parseBallot(decoded.text);
  if (!parsed.ok) throw new Error(parsed.message);
  useBallot.getState().open(parsed.value, file.name);
}

/** "Open ballot…": a button and its hidden file picker. */
export function OpenBallotButton(): React.JSX.Element {
  const picker = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | undefined>();
  return (
    <>
      <button type="button" onClick={() => picker.current?.click()}>
        Open ballot…
      </button>
      <input
        ref={picker}
        type="file"
        accept=".json,application/json"
        hidden
        aria-label="Ballot file to open"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (!file) return;
          setError(undefined);
          readBallotFile(file).catch((err: unknown) => setError(messageOf(err)));
        }}
      />
      {error && (
        <span className="error-text" role="alert">
          {error}
        </span>
      )}
    </>
  );
}

function isEditable(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

function ExportVotes(): React.JSX.Element {
  const ballot = useBallot((s) => s.ballot);
  const votes = useBallot((s) => s.votes);
  const [name, setName] = useState('');
  const [message, setMessage] = useState<{ error: boolean; text: string } | undefined>();
  useEffect(() => {
    let live = true;
    void api()['raters.me']({}).then(
      (r) => live && setName((n) => (n === '' && r.name !== 'me' ? r.name : n)),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  if (!ballot) return <></>;
  const count = Object.keys(votes).length;
  const exportVotes = async (): Promise<void> => {
    const checked = raterNameSchema.safeParse(name);
    if (!checked.success) {
      setMessage({ error: true, text: checked.error.issues[0]?.message ?? 'Enter your name.' });
      return;
    }
    try {
      const ordered = ballot.pairs.flatMap((p) => (votes[p.id] ? [votes[p.id] as (typeof votes)[string]] : []));
      const where = await deliverFile({ fileName: `parallax-votes-${checked.data.replace(/[^\p{L}\p{N}_-]+/gu, '-')}.json`, text: votesFileText(ballot, checked.data, ordered), mimeType: 'application/json' });
      if (where) setMessage({ error: false, text: `${where} Send it back to the person who sent the ballot.` });
    } catch (error) {
      setMessage({ error: true, text: `Could not export the votes: ${messageOf(error)}` });
    }
  };
  return (
    <form
      className="row ballot-export"
      onSubmit={(e) => {
        e.preventDefault();
        void exportVotes();
      }}
    >
      <label>
        Sign as <input value={name} maxLength={80} size={18} onChange={(e) => setName(e.target.value)} />
      </label>
      <button type="submit" disabled={count === 0}>
        Export votes ({count})
      </button>
      {message && (
        <span className={message.error ? 'error-text' : 'muted'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </span>
      )}
    </form>
  );
}

export function BallotView(): React.JSX.Element | null {
  const ballot = useBallot((s) => s.ballot);
  const fileName = useBallot((s) => s.fileName);
  const index = useBallot((s) => s.index);
  const votes = useBallot((s) => s.votes);
  const { vote, goTo, close } = useBallot.getState();

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.defaultPrevented || isEditable(event.target) || event.ctrlKey || event.metaKey || event.altKey || document.querySelector('dialog[open]')) return;
      const choice = VOTES.find((v) => v.key === event.key.toLowerCase());
      if (!choice) return;
      event.preventDefault();
      useBallot.getState().vote(choice.outcome);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (!ballot) return null;
  const pair = ballot.pairs[index];
  const total = ballot.pairs.length;
  const mine = pair ? votes[pair.id]?.outcome : undefined;
  return (
    <section className="pairwise ballot" aria-label="Ballot">
      <div className="pairwise-bar">
        <strong>{ballot.title}</strong>
        <span className="muted">{fileName}</span>
        <span role="status" aria-label="Progress">
          {index >= total ? `${total} of ${total} pairs done` : `Pair ${index + 1} of ${total}`} · {Object.keys(votes).length} voted
        </span>
        <div className="spacer" />
        <button type="button" onClick={() => goTo(index - 1)} disabled={index === 0}>
          Back
        </button>
        <button type="button" onClick={() => goTo(index + 1)} disabled={index >= total}>
          Next
        </button>
        <button type="button" onClick={close}>
          Close ballot
        </button>
      </div>
      <ExportVotes />
      {!pair && <p className="empty">Every pair has your vote. Export the votes and send the file back; Back reviews a pair.</p>}
      {pair && (
        <>
          <section className="pairwise-row" aria-label="Row">
            <strong>Row {pair.row}</strong>
            <dl className="pairwise-vars">
              {Object.entries(pair.vars).map(([name, value]) => (
                <div key={name}>
                  <dt>{name}</dt>
                  <dd>{value}</dd>
                </div>
              ))}
            </dl>
          </section>
          {pair.prompt && (
            <details className="ballot-prompt">
              <summary>Prompt as sent</summary>
              {pair.prompt.map((m, i) => (
                <p key={i} className="ballot-message">
                  <strong>{m.role}:</strong> {m.content}
                </p>
              ))}
            </details>
          )}
          <div className="pairwise-answers">
            <section className="pairwise-answer" aria-label="Left answer">
              <header className="pairwise-answer-head">
                <strong>Left</strong>
              </header>
              <div className="pairwise-output">{pair.left === '' ? <p className="muted">(empty answer)</p> : <AnswerView text={pair.left} label="Left answer" />}</div>
            </section>
            <section className="pairwise-answer" aria-label="Right answer">
              <header className="pairwise-answer-head">
                <strong>Right</strong>
              </header>
              <div className="pairwise-output">{pair.right === '' ? <p className="muted">(empty answer)</p> : <AnswerView text={pair.right} label="Right answer" />}</div>
            </section>
          </div>
          <div role="toolbar" aria-label="Vote" className="pairwise-votes">
            {VOTES.map((v) => (
              <button key={v.key} type="button" aria-pressed={mine === v.outcome} aria-keyshortcuts={v.key.toUpperCase()} onClick={() => vote(v.outcome)}>
                {v.label}
              </button>
            ))}
          </div>
        </>
      )}
    </section>
  );
}
