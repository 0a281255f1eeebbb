import { useId, useState } from 'react';

/** Thinking drawn at most this long (a model may think for a megabyte); the rest is counted. */
export const THINKING_MAX_CHARS = 100_000;

interface Props {
  text: string;
  /** Thinking tokens, when the server counted them. */
  tokens?: number | undefined;
  /** Inside the results grid: its controls are reached by click, not Tab (the grid is one tab stop). */
  inGrid?: boolean;
  maxChars?: number;
}

/**
 * The model's thinking (or OpenAI's reasoning summary), apart from its answer: closed at first,
 * with its size on the button, and opened into a region of its own that scrolls.
 */
export function Thinking({ text, tokens, inGrid = false, maxChars = THINKING_MAX_CHARS }: Props): React.JSX.Element {
  const [open, setOpen] = useState(false);
  const id = useId();
  const size = `${text.length.toLocaleString('en-US')} characters${tokens !== undefined ? `, ${tokens.toLocaleString('en-US')} tokens` : ''}`;
  const hidden = text.length - maxChars;
  return (
    <div className={`thinking${inGrid ? ' in-grid' : ''}${open ? ' open' : ''}`}>
      <button
        type="button"
        className="thinking-toggle"
        aria-expanded={open}
        // Only while open: a control names a region that exists.
        aria-controls={open ? id : undefined}
        tabIndex={inGrid ? -1 : undefined}
        onClick={(event) => {
          event.stopPropagation();
          setOpen(!open);
        }}
      >
        <span aria-hidden="true">{open ? '▾' : '▸'} </span>
        Thinking <span className="thinking-size">({size})</span>
      </button>
      {open && (
        // A region that scrolls takes focus, so the keyboard can scroll it too (by click in the grid).
        <div id={id} role="region" aria-label="Thinking" className="thinking-text" tabIndex={inGrid ? -1 : 0}>
          <pre>{hidden > 0 ? text.slice(0, maxChars) : text}</pre>
          {hidden > 0 && (
            <p className="muted answer-note" role="note">
              … {hidden.toLocaleString('en-US')} more characters not shown.
            </p>
          )}
        </div>
      )}
    </div>
  );
}
