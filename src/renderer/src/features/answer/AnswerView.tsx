import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import { effectiveMode, jsonOf, MARKDOWN_FORCE_MAX_CHARS, MARKDOWN_MAX_CHARS, nextMode, type AnswerMode } from './answer-format';
import { JsonTree } from './JsonTree';
import { useAnswerPrefs } from './mode';
import { RenderBoundary, SafeMarkdown } from './SafeMarkdown';
import './answer.css';

/** The key that moves every answer on screen to its next view. */
export const ANSWER_MODE_KEY = 'M';

const MODE_NAMES: Record<AnswerMode, string> = { markdown: 'Markdown', raw: 'Raw', json: 'JSON' };

function isEditable(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

/** A cheap identity for a text, for keys: long answers are not compared whole on every render. */
function textKey(text: string): string {
  return `${text.length}:${text.slice(0, 32)}:${text.slice(-32)}`;
}

function useModeShortcut(mode: AnswerMode, hasJson: boolean): void {
  const setMode = useAnswerPrefs((s) => s.setMode);
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      // Several answers may be on screen: the first listener moves the one shared mode, the rest see it handled.
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isEditable(event.target)) return;
      if (event.key.toUpperCase() !== ANSWER_MODE_KEY) return;
      event.preventDefault();
      setMode(nextMode(mode, hasJson));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [mode, hasJson, setMode]);
}

function Raw({ text }: { text: string }): React.JSX.Element {
  return <pre className="output answer-raw">{text}</pre>;
}

function MarkdownBody({ text }: { text: string }): React.JSX.Element {
  // While an answer streams in, drawing its Markdown waits behind typing and scrolling.
  const shown = useDeferredValue(text);
  const [forcedFor, setForcedFor] = useState<string | undefined>();
  const key = textKey(text);
  if (text.length > MARKDOWN_MAX_CHARS && forcedFor !== key) {
    return (
      <>
        <p className="muted answer-note" role="note">
          This answer is {text.length.toLocaleString('en-US')} characters long; Markdown is drawn for answers up to{' '}
          {MARKDOWN_MAX_CHARS.toLocaleString('en-US')}, so it is shown raw.{' '}
          {text.length <= MARKDOWN_FORCE_MAX_CHARS && (
            <button type="button" className="link" onClick={() => setForcedFor(key)}>
              Draw as Markdown anyway
            </button>
          )}
        </p>
        <Raw text={text} />
      </>
    );
  }
  return (
    <RenderBoundary
      key={key}
      fallback={
        <>
          <p className="muted answer-note" role="note">
            This answer could not be drawn as Markdown (it nests too deeply), so it is shown raw.
          </p>
          <Raw text={text} />
        </>
      }
    >
      <div className="answer-markdown">
        <SafeMarkdown text={shown} />
      </div>
    </RenderBoundary>
  );
}

/**
 * A model's answer, as Markdown (sanitised: see SafeMarkdown), raw text, or a JSON tree when
 * it parses as JSON. The choice is one preference for every answer (M switches it) and is
 * kept between sessions.
 */
export function AnswerView({ text, label }: { text: string; label: string }): React.JSX.Element {
  const chosen = useAnswerPrefs((s) => s.mode);
  const setMode = useAnswerPrefs((s) => s.setMode);
  const json = useMemo(() => jsonOf(text), [text]);
  const mode = effectiveMode(chosen, json !== undefined);
  useModeShortcut(mode, json !== undefined);
  const modes: AnswerMode[] = json ? ['markdown', 'raw', 'json'] : ['markdown', 'raw'];
  const hint = `Show answers as Markdown, Raw${json ? ' or JSON' : ''} (${ANSWER_MODE_KEY} switches)`;
  return (
    <div className="answer-view">
      <div role="group" aria-label={`Show ${label} as`} className="answer-modes">
        {modes.map((m) => (
          <button key={m} type="button" aria-pressed={mode === m} aria-keyshortcuts={ANSWER_MODE_KEY} title={hint} onClick={() => setMode(m)}>
            {MODE_NAMES[m]}
          </button>
        ))}
      </div>
      {mode === 'raw' && <Raw text={text} />}
      {mode === 'markdown' && <MarkdownBody text={text} />}
      {mode === 'json' && json && (
        <>
          {json.fenced && <p className="muted answer-note">The JSON of the answer&apos;s first ```json block.</p>}
          <JsonTree key={textKey(text)} value={json.value} label={`${label} as JSON`} />
        </>
      )}
    </div>
  );
}
