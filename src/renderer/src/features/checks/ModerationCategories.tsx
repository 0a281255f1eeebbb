import { MODERATION_CATEGORIES, moderationCategoriesOf, moderationValueText } from '../../../../shared/assertions/moderation';

interface Props {
  /** The check's number, for the names a screen reader reads. */
  index: number;
  valueText: string;
  onChange(valueText: string): void;
}

/**
 * The categories a moderation check fails on, as boxes to tick; none ticked means every
 * category the server flags. Writes the check's value (a JSON list), so categories typed into
 * the value that are not listed here (another server's) are kept.
 */
export function ModerationCategories({ index, valueText, onChange }: Props): React.JSX.Element {
  const chosen = moderationCategoriesOf(valueText);
  const toggle = (category: string, on: boolean): void => {
    const next = on ? [...chosen.filter((c) => c !== category), category] : chosen.filter((c) => c !== category);
    onChange(moderationValueText(next));
  };
  return (
    <fieldset className="moderation-categories">
      <legend>Categories that fail check {index + 1}</legend>
      {MODERATION_CATEGORIES.map((category) => (
        <label key={category}>
          <input type="checkbox" checked={chosen.includes(category)} onChange={(e) => toggle(category, e.target.checked)} />
          {category}
        </label>
      ))}
      <p className="muted hint">{chosen.length === 0 ? 'None ticked: any category the moderation endpoint flags fails the check.' : `Fails only on: ${chosen.join(', ')}.`}</p>
    </fieldset>
  );
}
