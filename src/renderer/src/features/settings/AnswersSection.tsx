/**
 * Settings → Answers: how much of one answer Parallax keeps. A longer answer is read and
 * counted, and its first part kept with a mark saying how big it was (src/main/runner/answer-cap.ts).
 */
import { useEffect, useState } from 'react';
import { DEFAULT_MAX_ANSWER_BYTES, MAX_MAX_ANSWER_BYTES, MIN_MAX_ANSWER_BYTES, formatBytes } from '../../../../shared/answer-limit';
import { api } from '../../bridge/current';
import { messageOf } from '../../state/errors';

const KB = 1024;

export function AnswersSection(): React.JSX.Element {
  const [text, setText] = useState('');
  const [saved, setSaved] = useState<number | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  useEffect(() => {
    let live = true;
    void api()['answers.limit']({})
      .then((r) => {
        if (!live) return;
        setSaved(r.maxAnswerBytes);
        setText(String(Math.round(r.maxAnswerBytes / KB)));
      })
      .catch((e: unknown) => live && setError(messageOf(e)));
    return () => {
      live = false;
    };
  }, []);

  const save = async (): Promise<void> => {
    setError(undefined);
    setNotice(undefined);
    const kb = Number(text.trim());
    if (!Number.isFinite(kb) || text.trim() === '' || kb * KB < MIN_MAX_ANSWER_BYTES || kb * KB > MAX_MAX_ANSWER_BYTES) {
      setError(`Enter a size from ${MIN_MAX_ANSWER_BYTES / KB} to ${MAX_MAX_ANSWER_BYTES / KB} KB.`);
      return;
    }
    try {
      const r = await api()['answers.setLimit']({ maxAnswerBytes: Math.round(kb * KB) });
      setSaved(r.maxAnswerBytes);
      setNotice(`Saved: answers are kept up to ${formatBytes(r.maxAnswerBytes)} from the next cell on.`);
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <section className="answers-limit" aria-labelledby="answers-heading">
      <h2 id="answers-heading">Answers</h2>
      <p className="muted">
        How much of one answer Parallax keeps (default {formatBytes(DEFAULT_MAX_ANSWER_BYTES)}). A longer answer is read to its end, but only its first part is kept, ending with a
        mark that says how big it was. The command line takes <code>parallax eval --max-answer-bytes</code>.
      </p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label>
          Keep at most{' '}
          <input aria-label="Keep at most (KB)" inputMode="numeric" value={text} onChange={(e) => setText(e.target.value)} size={8} /> KB of each answer
        </label>
        <button type="submit" disabled={saved !== undefined && text.trim() === String(Math.round(saved / KB))}>
          Save
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {notice && <p className="muted">{notice}</p>}
    </section>
  );
}
