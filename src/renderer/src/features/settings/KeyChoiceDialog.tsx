import { useState } from 'react';
import { ENVAR_NAME, hostOf, keyHostVerdict, refusalReason, suggestedKeyEnvar } from '../../../../shared/key-hosts';
import type { ProviderInfo, ProviderInput } from '../../../../shared/schemas';
import { Modal } from '../../components/Modal';
import { messageOf } from '../../state/errors';
import { useKeyHosts } from '../../state/keyHosts';

type Choice = 'none' | 'typed' | 'env';

interface Props {
  provider: ProviderInfo;
  save(input: ProviderInput): Promise<unknown>;
  onDone(message: string): void;
  onClose(): void;
}

/**
 * Confirming a provider an imported file added. It arrives with no key; the person picks one
 * here, if any, knowing where it goes: the dialog names the host and, for an environment
 * variable, the variable, and says so plainly when the variable is not that host's own.
 */
export function ConfirmImportedDialog({ provider, save, onDone, onClose }: Props): React.JSX.Element {
  const approvals = useKeyHosts((s) => s.approvals);
  const host = hostOf(provider.baseUrl) ?? provider.baseUrl;
  const [choice, setChoice] = useState<Choice>('none');
  const [typed, setTyped] = useState('');
  const [envar, setEnvar] = useState(suggestedKeyEnvar(provider.baseUrl) ?? '');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const name = envar.trim();
  const envValid = ENVAR_NAME.test(name);
  const verdict = envValid ? keyHostVerdict(name, provider.baseUrl, approvals) : undefined;
  const ready = choice === 'none' || (choice === 'typed' && typed.trim() !== '') || (choice === 'env' && envValid);
  const action =
    choice === 'env' ? (envValid ? `Send ${name} to ${host} and confirm` : 'Confirm') : choice === 'typed' ? `Confirm ${provider.name} with the key I entered` : `Confirm ${provider.name} with no key`;

  const confirm = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await save({
        id: provider.id,
        name: provider.name,
        baseUrl: provider.baseUrl,
        concurrency: provider.concurrency,
        ...(choice === 'typed' ? { apiKey: typed.trim() } : {}),
        ...(choice === 'env' ? { apiKeyEnvar: name, ...(verdict && !verdict.ok ? { allowKeyHost: true } : {}) } : {}),
      });
      onDone(choice === 'env' ? `Confirmed ${provider.name}; it sends ${name} to ${host}.` : `Confirmed ${provider.name}.`);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={`Confirm ${provider.name}`} onClose={onClose}>
      <p>
        {provider.name} came from an imported file. Its requests, with your prompts and test cases, go to <strong>{host}</strong> ({provider.baseUrl}).
      </p>
      <fieldset>
        <legend>Key for {provider.name}</legend>
        <label>
          <input type="radio" name="key-choice" checked={choice === 'none'} onChange={() => setChoice('none')} /> No key
        </label>
        <label>
          <input type="radio" name="key-choice" checked={choice === 'typed'} onChange={() => setChoice('typed')} /> A key I enter
        </label>
        {choice === 'typed' && (
          <label>
            <span>API key for {provider.name}</span>
            <input type="password" autoComplete="off" value={typed} onChange={(e) => setTyped(e.target.value)} />
          </label>
        )}
        <label>
          <input type="radio" name="key-choice" checked={choice === 'env'} onChange={() => setChoice('env')} /> The value of an environment variable
        </label>
        {choice === 'env' && (
          <label>
            <span>Environment variable</span>
            <input value={envar} onChange={(e) => setEnvar(e.target.value)} placeholder="OPENAI_API_KEY" aria-describedby="key-choice-where" />
          </label>
        )}
      </fieldset>
      {choice === 'env' && envValid && verdict && (
        <p id="key-choice-where" role="note" className={verdict.ok ? 'muted' : 'error-text'}>
          Parallax will send the value of {name} to {host}.
          {!verdict.ok && ` ${refusalReason(name, verdict)}: only go on if you trust ${host} with it. It is added to Keys for other hosts, where you can take it back.`}
        </p>
      )}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="row">
        <button type="button" className="primary" disabled={!ready || busy} onClick={() => void confirm()}>
          {action}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}

interface SendProps {
  envar: string;
  baseUrl: string;
  providerName: string;
  onSend(): void;
  onClose(): void;
}

/** The Settings form names a variable for a host it does not belong to: ask before sending it there. */
export function SendKeyDialog({ envar, baseUrl, providerName, onSend, onClose }: SendProps): React.JSX.Element {
  const approvals = useKeyHosts((s) => s.approvals);
  const host = hostOf(baseUrl) ?? baseUrl;
  const verdict = keyHostVerdict(envar, baseUrl, approvals);
  return (
    <Modal title={`Send ${envar} to ${host}?`} onClose={onClose}>
      <p>
        {providerName} would send the value of <strong>{envar}</strong> to <strong>{host}</strong>.{' '}
        {!verdict.ok && `${refusalReason(envar, verdict)}.`} Only go on if you trust {host} with it; it is added to Keys for other hosts, where you can take it back.
      </p>
      <div className="row">
        <button type="button" className="primary" onClick={onSend}>
          Send {envar} to {host}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
