import { useMemo } from 'react';
import { diffSummary, diffTexts, type DiffPart } from '../../../../shared/text-diff';
import './answer.css';

interface Props {
  before: string;
  after: string;
  /** What the two texts are, in the reader's words ("Answer 1", "Repeat 2", "the baseline"). */
  beforeName: string;
  afterName: string;
}

/**
 * The word-level differences between two answers: words only in `after` are inserted, words
 * only in `before` deleted, each also named in hidden text for screen readers, since colour
 * and strike-through are not read out. Reused wherever two answers are compared (the cell
 * dialog, Judge, a run against its baseline).
 */
/**
 * Characters of a diff drawn at most: laying out a megabyte of marked text holds the page for
 * most of a second, and nobody reads that far in a diff.
 */
const SHOWN_CHARS = 100_000;

/** The parts up to SHOWN_CHARS characters, the last one cut; and how many characters are left out. */
function shownParts(parts: readonly DiffPart[]): { shown: DiffPart[]; hidden: number } {
  const shown: DiffPart[] = [];
  let room = SHOWN_CHARS;
  let hidden = 0;
  for (const part of parts) {
    if (room <= 0) hidden += part.text.length;
    else if (part.text.length <= room) shown.push(part);
    else {
      shown.push({ kind: part.kind, text: part.text.slice(0, room) });
      hidden += part.text.length - room;
    }
    room -= part.text.length;
  }
  return { shown, hidden };
}

export function AnswerDiff({ before, after, beforeName, afterName }: Props): React.JSX.Element {
  const diff = useMemo(() => diffTexts(before, after), [before, after]);
  const { shown, hidden } = useMemo(() => shownParts(diff.parts), [diff]);
  const summary = diffSummary(diff);
  return (
    <section className="answer-diff" aria-label="Word differences">
      <p className="answer-diff-summary">
        <strong>{summary}</strong>
        {!diff.identical && diff.granularity !== 'none' && (
          <span className="muted">
            {' '}
            · <span className="answer-diff-key removed">struck out</span>: only in {beforeName} · <span className="answer-diff-key added">underlined</span>: only in{' '}
            {afterName}
          </span>
        )}
      </p>
      {diff.note && diff.granularity !== 'none' && (
        <p className="muted answer-note" role="note">
          {diff.note}
        </p>
      )}
      {!diff.identical && diff.parts.length > 0 && (
        <div className="output answer-diff-text">
          {shown.map((part, i) =>
            part.kind === 'same' ? (
              <span key={i}>{part.text}</span>
            ) : part.kind === 'added' ? (
              <ins key={i}>
                <span className="visually-hidden">[added: </span>
                {part.text}
                <span className="visually-hidden">]</span>
              </ins>
            ) : (
              <del key={i}>
                <span className="visually-hidden">[removed: </span>
                {part.text}
                <span className="visually-hidden">]</span>
              </del>
            ),
          )}
          {hidden > 0 && <span className="muted">{`\n… ${hidden.toLocaleString('en-US')} more characters not shown`}</span>}
        </div>
      )}
    </section>
  );
}
