/**
 * Settings → Your name: the name your votes and scores carry, so a run judged by several people
 * (ballots sent out, votes files imported) can tell whose is whose. Changing it renames your
 * votes too: they are still yours.
 */
import { useEffect, useState } from 'react';
import { raterNameSchema } from '../../../../shared/judging/raters';
import { api } from '../../bridge/current';
import { messageOf } from '../../state/errors';

export function RaterSection(): React.JSX.Element {
  const [text, setText] = useState('');
  const [saved, setSaved] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  useEffect(() => {
    let live = true;
    void api()['raters.me']({})
      .then((r) => {
        if (!live) return;
        setSaved(r.name);
        setText(r.name);
      })
      .catch((e: unknown) => live && setError(messageOf(e)));
    return () => {
      live = false;
    };
  }, []);

  const save = async (): Promise<void> => {
    setError(undefined);
    setNotice(undefined);
    const checked = raterNameSchema.safeParse(text);
    if (!checked.success) {
      setError(checked.error.issues[0]?.message ?? 'That name cannot be used.');
      return;
    }
    try {
      const r = await api()['raters.setMe']({ name: checked.data });
      setSaved(r.name);
      setText(r.name);
      setNotice(`Saved: your votes and scores are signed "${r.name}".`);
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <section className="rater-name" aria-labelledby="rater-heading">
      <h2 id="rater-heading">Your name</h2>
      <p className="muted">The name your votes and scores carry, and the one a votes file you export for someone else&apos;s ballot is signed with.</p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label>
          Your name <input value={text} maxLength={80} onChange={(e) => setText(e.target.value)} size={24} />
        </label>
        <button type="submit" disabled={saved !== undefined && text.trim() === saved}>
          Save name
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
