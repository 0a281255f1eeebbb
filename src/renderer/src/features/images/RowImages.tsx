import { isImageValue } from '../../../../shared/images';
import type { Variables } from '../../../../shared/schemas';
import { ImageThumb } from './ImageThumb';

/** The image values of a row, as thumbnails named by their variable; nothing when it has none. */
export function RowImages({ vars, size = 40 }: { vars: Variables | undefined; size?: number }): React.JSX.Element | null {
  const images = Object.entries(vars ?? {}).filter(([, value]) => isImageValue(value));
  if (images.length === 0) return null;
  return (
    <span className="row-images">
      {images.slice(0, 8).map(([name, value]) => (
        <span key={name} className="row-image" title={name}>
          <ImageThumb value={value} size={size} />
          <span className="muted row-image-name">{name}</span>
        </span>
      ))}
    </span>
  );
}
