import { imageLabel } from '../../../../shared/images';
import { useImage } from './useImage';
import './images.css';

interface Props {
  value: unknown;
  /** Edge of the square the picture fits in, in CSS pixels. */
  size?: number;
}

/** The text an image is known by: its alt text (the picked file's name), else a short form of where it is. */
export function imageName(value: unknown): string {
  return imageLabel(value).replace(/^\[image(?:: )?/, '').replace(/\]$/, '') || 'image';
}

/** A small fixed-size picture of an image value, with its name as the alt text. */
export function ImageThumb({ value, size = 48 }: Props): React.JSX.Element {
  const view = useImage(value);
  const name = imageName(value);
  const box = { width: size, height: size };
  if (view.kind === 'ready') return <img className="image-thumb" src={view.src} alt={name} title={name} width={size} height={size} style={box} />;
  if (view.kind === 'url') {
    return (
      <span className="image-thumb placeholder" style={box} role="img" aria-label={`${name} (web address, not loaded here)`} title={view.url}>
        URL
      </span>
    );
  }
  if (view.kind === 'failed') {
    return (
      <span className="image-thumb placeholder failed" style={box} role="img" aria-label={`${name}: ${view.message}`} title={view.message}>
        !
      </span>
    );
  }
  return <span className="image-thumb placeholder" style={box} role="img" aria-label={`${name} (loading)`} />;
}
