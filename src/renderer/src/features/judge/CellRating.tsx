import { useEffect, useRef, useState } from 'react';
import type { Cell, Grading, Rating } from '../../../../shared/schemas';
import { api } from '../../bridge/current';
import { messageOf } from '../../state/errors';
import { Popover } from '../../components/Popover';
import { gradingSummary } from './grading-summary';
import './judge.css';

interface Props {
  cell: Cell;
  onChange?(rating: Rating): void;
  /**
   * The rating keys work anywhere in the dialog (or page) holding this rating, not only once
   * focus is in it: for the one rating a cell dialog is about.
   */
  shortcuts?: boolean;
}

type RatePatch = { score?: number | null; thumb?: 'up' | 'down' | null; tags?: string[]; note?: string | null };

const NOTE_DEBOUNCE_MS = 600;
const MAX_TAGS = 20;
const MAX_TAG_LENGTH = 40;

/** Text fields (and menus, which pick an option by its first letter or digit) keep their keys; radios and buttons do not. */
function isTextField(target: EventTarget | null): boolean {
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['radio', 'checkbox', 'button'].includes(target.type);
}

/** Tags typed as "a, b , c" added to the ones there, without repeats, within the limits. */
export function addTags(existing: readonly string[], typed: string): string[] {
  const out = [...existing];
  for (const raw of typed.split(',')) {
    const tag = raw.trim().slice(0, MAX_TAG_LENGTH);
    if (tag === '' || out.includes(tag) || out.length >= MAX_TAGS) continue;
    out.push(tag);
  }
  return out;
}

/** What a key does to a rating: 1–5 a score, U/D a thumb; nothing with a modifier held. */
export function ratingKey(event: { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean }): { score: number } | { thumb: 'up' | 'down' } | undefined {
  if (event.ctrlKey || event.metaKey || event.altKey) return undefined;
  const key = event.key.toLowerCase();
  if (/^[1-5]$/.test(key)) return { score: Number(key) };
  if (key === 'u' || key === 'd') return { thumb: key === 'u' ? 'up' : 'down' };
  return undefined;
}

/**
 * A person's judgement of one cell: a 1–5 score, thumbs up or down, tags and a note. Each
 * change is saved at once with judge.rate (the note after a pause in typing).
 * Keys while the rating has focus (outside a text field), or anywhere in its dialog with
 * `shortcuts`: 1–5 score, U thumbs up, D down.
 */
export function CellRating({ cell, onChange, shortcuts }: Props): React.JSX.Element {
  const [rating, setRating] = useState<Rating>(cell.rating ?? { tags: [], updatedAt: '' });
  const [note, setNote] = useState(cell.rating?.note ?? '');
  const [tagText, setTagText] = useState('');
  const [error, setError] = useState<string | undefined>();
  const noteTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const noteDirty = useRef(false);
  const cellId = cell.id;
  const onChangeRef = useRef(onChange);
  useEffect(() => {
    onChangeRef.current = onChange;
  });

  // A newer rating from main (another window, a reload) replaces what is shown, except a note being typed.
  const incoming = cell.rating;
  const [seen, setSeen] = useState(incoming);
  if (incoming !== seen) {
    setSeen(incoming);
    if (incoming && incoming.updatedAt > rating.updatedAt) {
      setRating(incoming);
      if (incoming.note !== rating.note && note === (rating.note ?? '')) setNote(incoming.note ?? '');
    }
  }

  const save = (patch: RatePatch): void => {
    setError(undefined);
    const request = api()['judge.rate']({ cellId, ...patch });
    request.then(
        (saved) => {
          setRating(saved);
          onChangeRef.current?.(saved);
        },
        (e: unknown) => setError(`Not saved: ${messageOf(e)}`),
      );
  };

  const change = (patch: RatePatch, local: Partial<Rating>): void => {
    setRating((r) => {
      const next = { ...r, ...local };
      if (patch.score === null) delete next.score;
      if (patch.thumb === null) delete next.thumb;
      return next;
    });
    save(patch);
  };

  const flushNote = (text: string): void => {
    if (noteTimer.current) clearTimeout(noteTimer.current);
    noteTimer.current = undefined;
    if (!noteDirty.current) return;
    noteDirty.current = false;
    save({ note: text.trim() === '' ? null : text });
  };
  const flushRef = useRef(flushNote);
  const noteRef = useRef(note);
  useEffect(() => {
    flushRef.current = flushNote;
    noteRef.current = note;
  });
  // Leaving (closing the dialog) saves a note still waiting.
  useEffect(() => () => flushRef.current(noteRef.current), []);

  const setScore = (score: number | null): void => change({ score }, score === null ? {} : { score });
  const toggleThumb = (thumb: 'up' | 'down'): void => {
    const next = rating.thumb === thumb ? null : thumb;
    change({ thumb: next }, next === null ? {} : { thumb: next });
  };
  const commitTags = (): void => {
    if (tagText.trim() === '') return;
    const tags = addTags(rating.tags, tagText);
    setTagText('');
    if (tags.length !== rating.tags.length) change({ tags }, { tags });
  };
  const removeTag = (tag: string): void => {
    const tags = rating.tags.filter((t) => t !== tag);
    change({ tags }, { tags });
  };

  const onKey = (event: KeyboardEvent | React.KeyboardEvent): void => {
    if (event.defaultPrevented || isTextField(event.target)) return;
    const action = ratingKey(event);
    if (!action) return;
    event.preventDefault();
    if ('score' in action) setScore(action.score);
    else toggleThumb(action.thumb);
  };
  const onKeyRef = useRef(onKey);
  useEffect(() => {
    onKeyRef.current = onKey;
  });
  const groupRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!shortcuts) return;
    // Keys from anywhere in the dialog around this rating (or the page, when focus is nowhere).
    const listener = (event: KeyboardEvent): void => {
      const scope = groupRef.current?.closest('dialog') ?? document.body;
      const target = event.target instanceof Node ? event.target : null;
      if (target !== document.body && !(target && scope.contains(target))) return;
      onKeyRef.current(event);
    };
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, [shortcuts]);

  const name = `score-${cellId}`;
  return (
    <div ref={groupRef} className="cell-rating" role="group" aria-label="Rating" aria-keyshortcuts={shortcuts ? '1 2 3 4 5 U D' : undefined} onKeyDown={onKey}>
      <div className="cell-rating-line">
        <div role="radiogroup" aria-label="Score" className="cell-rating-score" title="Score 1–5 (keys 1–5)">
          <span className="muted cell-rating-caption">Score</span>
          {[1, 2, 3, 4, 5].map((n) => (
            <label key={n}>
              <input type="radio" name={name} value={n} aria-label={String(n)} checked={rating.score === n} onChange={() => setScore(n)} />
              <span aria-hidden="true">{n}</span>
            </label>
          ))}
          {rating.score !== undefined && (
            <button type="button" className="ghost" onClick={() => setScore(null)}>
              Clear score
            </button>
          )}
        </div>
        <button type="button" aria-pressed={rating.thumb === 'up'} aria-keyshortcuts="U" title="Thumbs up (U)" onClick={() => toggleThumb('up')}>
          Thumbs up
        </button>
        <button type="button" aria-pressed={rating.thumb === 'down'} aria-keyshortcuts="D" title="Thumbs down (D)" onClick={() => toggleThumb('down')}>
          Thumbs down
        </button>
      </div>
      <div className="cell-rating-line">
        {rating.tags.length > 0 && (
          <ul className="cell-rating-tags" aria-label="Tags on this answer">
            {rating.tags.map((tag) => (
              <li key={tag} className="cell-rating-tag">
                {tag}
                <button type="button" aria-label={`Remove tag ${tag}`} onClick={() => removeTag(tag)}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <label className="cell-rating-field">
          <span>Tags (comma-separated, Enter adds)</span>
          <input
            type="text"
            aria-label="Tags"
            value={tagText}
            placeholder={rating.tags.length === 0 ? 'e.g. too long, wrong tone' : 'add more'}
            onChange={(e) => setTagText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                commitTags();
              }
            }}
            onBlur={commitTags}
          />
        </label>
      </div>
      <label className="cell-rating-field">
        <span>Note</span>
        <textarea
          aria-label="Note"
          rows={2}
          maxLength={10_000}
          value={note}
          placeholder="What is good or wrong in this answer"
          onChange={(e) => {
            const text = e.target.value;
            setNote(text);
            noteDirty.current = true;
            if (noteTimer.current) clearTimeout(noteTimer.current);
            noteTimer.current = setTimeout(() => flushRef.current(text), NOTE_DEBOUNCE_MS);
          }}
          onBlur={() => flushNote(note)}
        />
      </label>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function CheckResult({ result, children }: { result: Omit<Grading['componentResults'][number], 'members'>; children?: React.ReactNode }): React.JSX.Element {
  return (
    <li>
      <span className={result.pass ? 'ok' : 'bad'}>{result.pass ? '✓' : '✗'}</span>
      <span>
        {result.type}
        {result.metric ? ` (${result.metric})` : ''} · score {Number.isInteger(result.score) ? result.score : result.score.toFixed(3)}
      </span>
      <span className="reason">{result.reason}</span>
      {children}
    </li>
  );
}

/** "✓ 3/3 checks" or "✗ 1 of 3 failed: <first reason>", with every check (an assert-set's under it) in a popover. */
export function GradingBadge({ grading, tabIndex }: { grading: Grading | undefined; tabIndex?: number }): React.JSX.Element | null {
  if (!grading) return null;
  const text = gradingSummary(grading);
  return (
    <span className={`grading-badge ${grading.pass ? 'pass' : 'fail'}`}>
      <Popover text={text} label="Checks" buttonTitle={grading.reason} {...(tabIndex !== undefined ? { tabIndex } : {})}>
        <ul className="grading-list" aria-label="Checks">
          {grading.componentResults.map((c, i) => (
            <CheckResult key={i} result={c}>
              {c.members && (
                <ul className="grading-list members" aria-label={`Checks in ${c.type}`}>
                  {c.members.map((m, j) => (
                    <CheckResult key={j} result={m} />
                  ))}
                </ul>
              )}
            </CheckResult>
          ))}
        </ul>
      </Popover>
    </span>
  );
}
