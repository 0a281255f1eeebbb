import type { AttributeKindInfo } from '../../../../shared/bias/attributes';

interface Props {
  info: AttributeKindInfo;
  chosen: ReadonlySet<string>;
  onChange(next: ReadonlySet<string>): void;
  /** Names typed by hand (names only), comma-separated. */
  extra: string;
  onExtra(text: string): void;
}

/** The values a probe compares: checkboxes, names grouped by the group they are common in. */
export function ProbeValues({ info, chosen, onChange, extra, onExtra }: Props): React.JSX.Element {
  const toggle = (label: string, on: boolean): void => {
    const next = new Set(chosen);
    if (on) next.add(label);
    else next.delete(label);
    onChange(next);
  };
  const groups = new Map<string, string[]>();
  for (const value of info.values) {
    const group = value.group ?? '';
    groups.set(group, [...(groups.get(group) ?? []), value.label]);
  }
  return (
    <fieldset className="bias-values">
      <legend>Values to compare ({chosen.size} chosen)</legend>
      {[...groups].map(([group, labels]) => (
        <div key={group} className="bias-value-group" role={group ? 'group' : undefined} aria-label={group || undefined}>
          {group && <span className="bias-group-name" aria-hidden="true">{group}</span>}
          {labels.map((label) => (
            <label key={label}>
              <input type="checkbox" checked={chosen.has(label)} onChange={(e) => toggle(label, e.target.checked)} />
              {label}
            </label>
          ))}
        </div>
      ))}
      {info.kind === 'names' && (
        <label className="bias-field">
          Add names (comma-separated)
          <input type="text" value={extra} maxLength={2000} onChange={(e) => onExtra(e.target.value)} placeholder="e.g. Siobhan, Nguyen" />
        </label>
      )}
      <p className="muted">The lists ship with Parallax (src/shared/bias/attributes.ts); edit them there to change what is found and offered.</p>
    </fieldset>
  );
}
