/**
 * A test-case cell that holds an image: its thumbnail, its name and a way to take it out.
 * Delete or Backspace on the cell's button removes the image too (not the row, as Delete does
 * elsewhere on a row).
 */
import type { KeyboardEvent } from 'react';
import { ImageThumb, imageName } from './ImageThumb';

interface Props {
  value: unknown;
  name: string;
  row: number;
  col: number;
  onRemove(): void;
}

export function ImageCell({ value, name, row, col, onRemove }: Props): React.JSX.Element {
  const label = imageName(value);
  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>): void => {
    if (event.key === 'Delete' || event.key === 'Backspace') {
      event.preventDefault();
      event.stopPropagation();
      onRemove();
    }
  };
  return (
    <div className="case-image">
      <ImageThumb value={value} />
      <span className="case-image-name" title={label}>
        {label}
      </span>
      <button type="button" className="ghost case-image-remove" aria-label={`Remove image ${label} from ${name}, row ${row + 1}`} data-row={row} data-col={col} onClick={onRemove} onKeyDown={onKeyDown}>
        Remove
      </button>
    </div>
  );
}
