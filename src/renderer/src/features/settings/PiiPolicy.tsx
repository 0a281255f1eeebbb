import { useEffect } from 'react';
import { piiPolicySchema, type PiiPolicy, type PiiSettings } from '../../../../shared/pii/kinds';
import type { ProviderInfo } from '../../../../shared/schemas';
import { usePii } from '../../state/pii';

const POLICY_NAMES: Record<PiiPolicy, string> = {
  off: 'Off: send as it is',
  warn: 'Warn: send as it is, mark the cell',
  mask: 'Mask: send placeholders, restore the answer',
  block: 'Block: send nothing when it holds any',
};

/**
 * What a provider does with personal data in a request (docs/architecture.md, "Personal data"):
 * whether it is remote (the default: its base URL is not loopback) and the policy (the default:
 * mask when remote, else off). Saved as soon as it is changed.
 */
export function PiiPolicyControls({ provider }: { provider: ProviderInfo }): React.JSX.Element {
  const pii = usePii((s) => s.policies[provider.id]);
  const save = usePii((s) => s.save);
  const refresh = usePii((s) => s.refresh);
  useEffect(() => {
    if (pii === undefined) void refresh();
  }, [pii, refresh]);
  if (pii === undefined) return <p className="muted">Personal data: …</p>;
  const chosen: PiiSettings = { ...(pii.remoteSet ? { remote: pii.remote } : {}), ...(pii.policySet ? { policy: pii.policy } : {}) };
  const legend = `Personal data: ${provider.name}`;
  return (
    <fieldset className="pii-policy">
      <legend>{legend}</legend>
      <label>
        <input type="checkbox" checked={pii.remote} onChange={(e) => void save(provider.id, { ...chosen, remote: e.target.checked })} /> Remote (requests leave this machine)
        {!pii.remoteSet && <span className="muted"> · default</span>}
      </label>
      <label>
        Policy{' '}
        <select value={pii.policy} onChange={(e) => void save(provider.id, { ...chosen, policy: piiPolicySchema.parse(e.target.value) })}>
          {piiPolicySchema.options.map((policy) => (
            <option key={policy} value={policy}>
              {POLICY_NAMES[policy]}
            </option>
          ))}
        </select>
        {!pii.policySet && <span className="muted"> · default for {pii.remote ? 'remote' : 'local'} providers</span>}
      </label>
      {(pii.remoteSet || pii.policySet) && (
        <button type="button" className="ghost" onClick={() => void save(provider.id, {})}>
          Use defaults for {provider.name}
        </button>
      )}
    </fieldset>
  );
}
