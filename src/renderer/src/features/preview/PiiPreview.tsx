import { useEffect, useMemo, useState } from 'react';
import { PII_LABELS, type PiiPreview as Preview } from '../../../../shared/pii/kinds';
import { ECHO_PROVIDER_ID } from '../../../../shared/providers';
import type { Message } from '../../../../shared/schemas';
import { api } from '../../bridge/current';
import { messageOf } from '../../state/errors';
import { useProviders } from '../../state/providers';
import { useWorkspace } from '../../state/workspace';

const WHAT: Record<Preview['pii']['policy'], string> = {
  mask: 'Would mask',
  warn: 'Would send as it is (policy warn), marking the cell',
  block: 'Would not send (policy block): it holds',
  off: 'Policy off: sent as it is; it holds',
};

/**
 * What a provider's personal-data policy would do to the previewed messages (main scans them,
 * src/main/handlers/pii.ts): each placeholder with a hint of its value, never the value itself.
 */
export function PiiPreview({ messages }: { messages: Message[] }): React.JSX.Element | null {
  const columns = useWorkspace((s) => s.columns);
  const providers = useProviders((s) => s.providers);
  const ids = useMemo(() => [...new Set(columns.map((c) => c.providerId))], [columns]);
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const providerId = chosen !== undefined && ids.includes(chosen) ? chosen : (ids[0] ?? ECHO_PROVIDER_ID);
  const [result, setResult] = useState<{ preview: Preview } | { error: string } | undefined>(undefined);

  useEffect(() => {
    let latest = true;
    const preview = api()['pii.preview'];
    preview({ providerId, messages })
      .then((preview) => latest && setResult({ preview }))
      .catch((error: unknown) => latest && setResult({ error: messageOf(error) }));
    return () => {
      latest = false;
    };
  }, [providerId, messages]);

  const nameOf = (id: string): string => providers.find((p) => p.id === id)?.name ?? id;
  return (
    <section className="pii-preview" aria-label="Personal data">
      <label>
        Personal data for{' '}
        <select value={providerId} onChange={(e) => setChosen(e.target.value)}>
          {(ids.length > 0 ? ids : [ECHO_PROVIDER_ID]).map((id) => (
            <option key={id} value={id}>
              {nameOf(id)}
            </option>
          ))}
        </select>
      </label>
      {result && 'error' in result && <p className="error-text">{result.error}</p>}
      {result && 'preview' in result && <PreviewList preview={result.preview} />}
    </section>
  );
}

function PreviewList({ preview }: { preview: Preview }): React.JSX.Element {
  const { pii, found, complete } = preview;
  const where = pii.remote ? 'remote' : 'on this machine';
  if (found.length === 0) {
    return (
      <p className="muted">
        {complete ? 'No personal data found' : 'Too long to scan in full: mask and block would not send it'} ({where}, policy {pii.policy}).
      </p>
    );
  }
  return (
    <>
      <p className="muted">
        {WHAT[pii.policy]} ({where}):
      </p>
      <ul className="pii-found" aria-label="Personal data found">
        {found.map((f) => (
          <li key={f.placeholder}>
            <code>{f.placeholder}</code> ← {f.hint} <span className="muted">({PII_LABELS[f.kind]})</span>
          </li>
        ))}
      </ul>
    </>
  );
}
