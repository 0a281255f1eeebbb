import { useEffect, useRef, useState } from 'react';
import type { JudgePair, Verdict, VoteOutcome } from '../../../../shared/contract';
import { variantLetter } from '../../../../shared/judging/verdict';
import type { TestCase } from '../../../../shared/schemas';
import { api, bridge } from '../../bridge/current';
import { messageOf } from '../../state/errors';
import { countPairs, currentPair, pairKey, useJudge, type ColumnPair } from '../../state/judge';
import { useRun } from '../../state/run';
import { sameTextMessage } from '../../../../shared/text-diff';
import { AnswerDiff } from '../answer/AnswerDiff';
import { AnswerView } from '../answer/AnswerView';
import { useAnswerPrefs } from '../answer/mode';
import { Thinking } from '../answer/Thinking';
import { ToolCalls } from '../answer/ToolCalls';
import { useCellExtras } from '../answer/useCellExtras';
import './judge.css';

interface Props {
  runId: string;
}

/** The vote keys, their outcome and the button's name. */
const VOTES: readonly { key: string; outcome: VoteOutcome; label: string }[] = [
  { key: '1', outcome: 'left', label: 'Left is better (1)' },
  { key: '2', outcome: 'right', label: 'Right is better (2)' },
  { key: '3', outcome: 'tie', label: 'Tie (3)' },
  { key: '4', outcome: 'both_bad', label: 'Both bad (4)' },
];

const OUTCOME_WORDS: Record<VoteOutcome, string> = {
  left: 'Answer 1 is better',
  right: 'Answer 2 is better',
  tie: 'tie',
  both_bad: 'both bad',
  skip: 'skipped',
};

/** Keys belong to a text field while one has focus. */
function isEditable(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The run's rows: from the run on screen when it is this one, else read once from main. */
function useRunCases(runId: string): readonly TestCase[] | undefined {
  const live = useRun((s) => (s.runId === runId ? s.testCases : undefined));
  const [fetched, setFetched] = useState<{ runId: string; cases: readonly TestCase[] } | undefined>();
  useEffect(() => {
    if (live) return;
    let cancelled = false;
    const read = api()['runs.get']({ runId });
    read
      .then((detail) => {
        if (!cancelled) setFetched({ runId, cases: detail.testCases });
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [live, runId]);
  return live ?? (fetched?.runId === runId ? fetched.cases : undefined);
}

/** The verdict, for the variants' names (after the reveal) and the summary at the end. */
function useVerdict(runId: string, reload: unknown): { verdict: Verdict | undefined; error: string | undefined } {
  const [state, setState] = useState<{ runId: string; verdict?: Verdict; error?: string }>({ runId });
  useEffect(() => {
    let cancelled = false;
    const read = api()['judge.verdict']({ runId });
    void read.then(
        (verdict) => !cancelled && setState({ runId, verdict }),
        (error: unknown) => !cancelled && setState({ runId, error: messageOf(error) }),
      );
    return () => {
      cancelled = true;
    };
  }, [runId, reload]);
  return state.runId === runId ? { verdict: state.verdict, error: state.error } : { verdict: undefined, error: undefined };
}

function Counter(): React.JSX.Element {
  const pairs = useJudge((s) => s.pairs);
  const index = useJudge((s) => s.index);
  const voteError = useJudge((s) => s.voteError);
  const saving = useJudge((s) => Object.keys(s.saving).length);
  const { total, voted, skipped } = countPairs(pairs);
  const where = index >= total ? `${total} of ${total} pairs done` : `Pair ${index + 1} of ${total}`;
  return (
    <div className="pairwise-counter">
      <span role="status" aria-label="Progress">
        {where} · {voted} voted{skipped > 0 ? ` · ${skipped} skipped` : ''}
        {saving > 0 ? ' · saving…' : ''}
      </span>
      {voteError && (
        <span className="error-text" role="alert">
          {voteError}
        </span>
      )}
    </div>
  );
}

function PairPicker({ variants }: { variants: number }): React.JSX.Element | null {
  const columns = useJudge((s) => s.columns);
  const runId = useJudge((s) => s.runId);
  const load = useJudge((s) => s.load);
  if (variants < 3 || !runId) return null;
  const options: { value: string; label: string; columns: ColumnPair }[] = [{ value: 'all', label: 'All pairs of variants', columns: undefined }];
  for (let a = 0; a < variants; a++) {
    for (let b = a + 1; b < variants; b++) options.push({ value: `${a}:${b}`, label: `${variantLetter(a)} vs ${variantLetter(b)}`, columns: [a, b] });
  }
  const value = columns ? `${columns[0]}:${columns[1]}` : 'all';
  return (
    <label className="pairwise-picker">
      <span>Compare</span>
      <select
        aria-label="Variants to compare"
        value={value}
        onChange={(e) => {
          const picked = options.find((o) => o.value === e.target.value);
          void load(runId, picked?.columns);
        }}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function Answer({ side, text, label, cellId }: { side: 1 | 2; text: string; label: string | undefined; cellId: string }): React.JSX.Element {
  // Pairs carry the answers' text; their thinking and tool calls are read from the cells.
  const extras = useCellExtras(cellId);
  const calls = extras?.toolCalls ?? [];
  return (
    <section className="pairwise-answer" aria-label={`Answer ${side}`}>
      <header className="pairwise-answer-head">
        <strong>Answer {side}</strong>
        {label && <span className="pairwise-label">{label}</span>}
      </header>
      <div className="pairwise-output">
        {extras?.reasoning && <Thinking key={cellId} text={extras.reasoning} tokens={extras.usage.reasoningTokens} />}
        {text === '' ? calls.length === 0 && <p className="muted">(empty answer)</p> : <AnswerView text={text} label={`Answer ${side}`} />}
        {calls.length > 0 && <ToolCalls calls={calls} tools={extras?.params.tools} />}
      </div>
    </section>
  );
}

function NoteField({ pair, onDone }: { pair: JudgePair; onDone(): void }): React.JSX.Element {
  const stored = useJudge((s) => s.notes[pairKey(pair)] ?? pair.note ?? '');
  const saveNote = useJudge((s) => s.saveNote);
  const [text, setText] = useState(stored);
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => ref.current?.focus(), []);
  const save = (): void => {
    saveNote(text);
    onDone();
  };
  return (
    <div className="pairwise-note row">
      <label className="pairwise-note-label">
        <span>Note for this pair</span>
        <input
          ref={ref}
          type="text"
          value={text}
          maxLength={10_000}
          placeholder="Why? (Enter saves, Esc cancels)"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              save();
            } else if (e.key === 'Escape') {
              e.preventDefault();
              e.stopPropagation();
              onDone();
            }
          }}
        />
      </label>
      <button type="button" onClick={save}>
        Save note
      </button>
    </div>
  );
}

function VarsOfRow({ testCase, caseIndex }: { testCase: TestCase | undefined; caseIndex: number }): React.JSX.Element {
  const entries = testCase ? Object.entries(testCase.vars) : [];
  return (
    <section className="pairwise-row" aria-label="Row">
      <strong>Row {caseIndex + 1}</strong>
      {testCase?.description && <span className="muted">{testCase.description}</span>}
      {entries.length > 0 ? (
        <dl className="pairwise-vars">
          {entries.map(([name, value]) => (
            <div key={name}>
              <dt>{name}</dt>
              <dd>{valueText(value)}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <span className="muted">{testCase ? 'no variables' : ''}</span>
      )}
      {testCase?.expected !== undefined && testCase.expected !== '' && <span className="muted">expected: {testCase.expected}</span>}
    </section>
  );
}

function EndSummary({ verdict, error, columns }: { verdict: Verdict | undefined; error: string | undefined; columns: ColumnPair }): React.JSX.Element {
  const pairs = useJudge((s) => s.pairs);
  const goTo = useJudge((s) => s.goTo);
  const back = useJudge((s) => s.back);
  const { voted, skipped, total } = countPairs(pairs);
  const shown = verdict?.pairs.filter((p) => !columns || (p.a === columns[0] && p.b === columns[1])) ?? [];
  const labelOf = (column: number): string => verdict?.variants[column]?.label ?? variantLetter(column);
  return (
    <section className="pairwise-end" aria-label="All pairs judged">
      <h2>All pairs judged</h2>
      <p>
        {voted} of {total} pairs voted{skipped > 0 ? `, ${skipped} skipped` : ''}. The labels are shown now.
      </p>
      {error && (
        <p className="error-text" role="alert">
          The verdict could not be read: {error}
        </p>
      )}
      {shown.length > 0 && (
        <table className="pairwise-summary" aria-label="Votes by pair of variants">
          <thead>
            <tr>
              <th scope="col">Variants</th>
              <th scope="col">First wins</th>
              <th scope="col">Second wins</th>
              <th scope="col">Ties</th>
              <th scope="col">Both bad</th>
              <th scope="col">Verdict</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((p) => (
              <tr key={`${p.a}:${p.b}`}>
                <th scope="row">
                  {labelOf(p.a)} vs {labelOf(p.b)}
                </th>
                <td>{p.wins}</td>
                <td>{p.losses}</td>
                <td>{p.ties}</td>
                <td>{p.bothBad}</td>
                <td>{p.sentence}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="row">
        <button type="button" onClick={back}>
          Back to the last pair
        </button>
        <button type="button" onClick={() => goTo(0)}>
          Review from pair 1
        </button>
      </div>
    </section>
  );
}

/**
 * Blind pairwise judging of one run: two answers to the same row, sides as the server
 * shuffled them, the variants' names hidden until "Reveal labels" or the end.
 */
export function PairwiseView({ runId }: Props): React.JSX.Element {
  const load = useJudge((s) => s.load);
  const loadedRun = useJudge((s) => s.runId);
  const loading = useJudge((s) => s.loading);
  const loadError = useJudge((s) => s.loadError);
  const pairs = useJudge((s) => s.pairs);
  const index = useJudge((s) => s.index);
  const columns = useJudge((s) => s.columns);
  const revealed = useJudge((s) => s.revealed);
  const onlyUnvoted = useJudge((s) => s.onlyUnvoted);
  const pair = useJudge(currentPair);
  const pendingNote = useJudge((s) => (pair ? s.notes[pairKey(pair)] : undefined));
  const { vote, next, back, setOnlyUnvoted, setRevealed } = useJudge.getState();
  const judgeDiff = useAnswerPrefs((s) => s.judgeDiff);
  const setJudgeDiff = useAnswerPrefs((s) => s.setJudgeDiff);
  // Said even with the differences hidden; the diff view says it itself when shown.
  const sameText = pair ? sameTextMessage(pair.leftOutput, pair.rightOutput) : undefined;
  // The note field is open for one pair: moving on closes it.
  const [notingKey, setNotingKey] = useState<string | undefined>();
  const [changes, setChanges] = useState(0);
  const cases = useRunCases(runId);
  const ended = loadedRun === runId && !loading && pairs.length > 0 && index >= pairs.length;
  const { verdict, error: verdictError } = useVerdict(runId, ended ? changes : -1);
  const showLabels = revealed || ended;

  // Back on a run already open here: keep the place, but read answers that finished meanwhile.
  useEffect(() => {
    const state = useJudge.getState();
    if (state.runId === runId && state.pairs.length > 0) void state.refresh();
    else void load(runId);
  }, [load, runId]);

  // More answers (the run finished, a cell was re-run) mean more pairs; votes move the verdict.
  useEffect(
    () =>
      bridge().onEvent((event) => {
        if (event.runId !== runId) return;
        if (event.type === 'run.finished') void useJudge.getState().refresh();
        if (event.type === 'judge.changed') setChanges((n) => n + 1);
      }),
    [runId],
  );

  const key = pair ? pairKey(pair) : undefined;
  const noting = key !== undefined && notingKey === key;
  const setNoting = (on: boolean): void => setNotingKey(on ? key : undefined);

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.defaultPrevented || isEditable(event.target) || document.querySelector('dialog[open]')) return;
      const state = useJudge.getState();
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'z') {
        event.preventDefault();
        state.back();
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const here = currentPair(state);
      if (!here) return;
      const choice = VOTES.find((v) => v.key === event.key);
      if (choice) {
        event.preventDefault();
        state.vote(choice.outcome);
      } else if (event.key === 's' || event.key === 'S') {
        event.preventDefault();
        state.vote('skip');
      } else if (event.key === 'n' || event.key === 'N') {
        event.preventDefault();
        setNotingKey(pairKey(here));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (loadedRun !== runId || (loading && pairs.length === 0)) return <p className="muted pairwise">Loading the pairs…</p>;
  if (loadError && pairs.length === 0) {
    return (
      <div className="pairwise">
        <p className="error-text" role="alert">
          {loadError}
        </p>
        <button type="button" onClick={() => void load(runId, columns)}>
          Try again
        </button>
      </div>
    );
  }

  const variants = verdict?.variants.length ?? 0;
  const labelOf = (column: number): string | undefined => (showLabels ? (verdict?.variants[column]?.label ?? `Variant ${variantLetter(column)}`) : undefined);

  return (
    <section className="pairwise" aria-label="Pairwise judging">
      <div className="pairwise-bar">
        <Counter />
        <div className="spacer" />
        <PairPicker variants={variants} />
        <label className="pairwise-check">
          <input type="checkbox" checked={onlyUnvoted} onChange={(e) => setOnlyUnvoted(e.target.checked)} />
          <span>Only unvoted</span>
        </label>
        <label className="pairwise-check">
          <input type="checkbox" checked={judgeDiff} onChange={(e) => setJudgeDiff(e.target.checked)} />
          <span>Show differences</span>
        </label>
        <button type="button" aria-pressed={showLabels} disabled={ended} onClick={() => setRevealed(!revealed)}>
          Reveal labels
        </button>
        <button type="button" onClick={back} disabled={index === 0 && useJudge.getState().trail.length === 0} aria-keyshortcuts="Control+Z Meta+Z">
          Back
        </button>
        <button type="button" onClick={next} disabled={index >= pairs.length}>
          Next
        </button>
      </div>
      {pairs.length === 0 && (
        <p className="empty">
          No pairs to judge yet. A pair is two finished answers to the same row from two variants: run the matrix with two or more variants and wait for
          answers.
        </p>
      )}
      {ended && <EndSummary verdict={verdict} error={verdictError} columns={columns} />}
      {pair && (
        <>
          <VarsOfRow testCase={cases?.[pair.caseIndex]} caseIndex={pair.caseIndex} />
          <div className="pairwise-answers">
            <Answer side={1} text={pair.leftOutput} label={labelOf(pair.leftColumn)} cellId={pair.leftCellId} />
            <Answer side={2} text={pair.rightOutput} label={labelOf(pair.rightColumn)} cellId={pair.rightCellId} />
          </div>
          <div role="toolbar" aria-label="Vote" className="pairwise-votes">
            {VOTES.map((v) => (
              <button key={v.key} type="button" aria-pressed={pair.vote === v.outcome} aria-keyshortcuts={v.key} onClick={() => vote(v.outcome)}>
                {v.label}
              </button>
            ))}
            <button type="button" aria-pressed={noting} aria-keyshortcuts="N" onClick={() => setNoting(!noting)}>
              Note (N)
            </button>
            <button type="button" aria-pressed={pair.vote === 'skip'} aria-keyshortcuts="S" onClick={() => vote('skip')}>
              Skip (S)
            </button>
          </div>
          <p className="muted pairwise-status">
            {pair.vote ? `Your vote: ${OUTCOME_WORDS[pair.vote]}. Press a key to change it.` : 'Not voted yet. Keys: 1 left · 2 right · 3 tie · 4 both bad · N note · S skip.'}
            {(pendingNote ?? pair.note) ? ` Note: ${pendingNote ?? pair.note ?? ''}` : ''}
            {!judgeDiff && sameText ? ` ${sameText}` : ''}
          </p>
          {judgeDiff && <AnswerDiff before={pair.leftOutput} after={pair.rightOutput} beforeName="Answer 1" afterName="Answer 2" />}
          {noting && <NoteField pair={pair} onDone={() => setNoting(false)} />}
        </>
      )}
    </section>
  );
}
