import { useEffect, useState } from 'react';
import { ENVAR_NAME, KNOWN_KEY_HOSTS } from '../../../../shared/key-hosts';
import { messageOf } from '../../state/errors';
import { useKeyHosts } from '../../state/keyHosts';

/**
 * Keys for other hosts: a key from an environment variable goes only to its own provider's
 * host (OPENAI_API_KEY to api.openai.com, …) or to this machine, unless it is listed here.
 * The app and `parallax eval` on this data folder both read the list.
 */
export function KeyHostsSection(): React.JSX.Element {
  const { approvals, error, refresh, add, remove } = useKeyHosts();
  const [envar, setEnvar] = useState('');
  const [host, setHost] = useState('');
  const [formError, setFormError] = useState<string | undefined>();

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    setFormError(undefined);
    if (!ENVAR_NAME.test(envar.trim())) {
      setFormError('An environment variable name has letters, digits and underscores only.');
      return;
    }
    try {
      await add({ envar: envar.trim(), host: host.trim() });
      setEnvar('');
      setHost('');
    } catch (e) {
      setFormError(messageOf(e));
    }
  };

  return (
    <section aria-labelledby="key-hosts-heading">
      <h2 id="key-hosts-heading">Keys for other hosts</h2>
      <p className="muted">
        A key from an environment variable goes only to the host it belongs to (for example {Object.keys(KNOWN_KEY_HOSTS)[0]} to{' '}
        {KNOWN_KEY_HOSTS['OPENAI_API_KEY']?.[0]}) or to this machine. Allow a variable to go to another host here; parallax eval on this
        data folder follows the same list.
      </p>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {approvals.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul aria-label="Keys for other hosts">
          {approvals.map((a) => (
            <li key={`${a.envar}@${a.host}`} className="row">
              <span>
                {a.envar} → {a.host}
              </span>
              <button type="button" className="danger" onClick={() => void remove(a).catch((e: unknown) => setFormError(messageOf(e)))}>
                Remove {a.envar} → {a.host}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="row" aria-label="Allow a key for another host" onSubmit={(e) => void submit(e)}>
        <label>
          <span>Variable</span>
          <input value={envar} onChange={(e) => setEnvar(e.target.value)} placeholder="MY_KEY" required />
        </label>
        <label>
          <span>Host</span>
          <input value={host} onChange={(e) => setHost(e.target.value)} placeholder="llm.example.com" required />
        </label>
        <button type="submit">Allow {envar.trim() || 'variable'} for {host.trim() || 'host'}</button>
      </form>
      {formError && (
        <p className="error-text" role="alert">
          {formError}
        </p>
      )}
    </section>
  );
}
