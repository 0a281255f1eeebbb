import type { Message } from '../../../../shared/schemas';
import { ImageThumb } from './ImageThumb';

/** A rendered message with images: its text and pictures in the order they are sent. */
export function MessageParts({ parts, textClass, size = 96 }: { parts: NonNullable<Message['parts']>; textClass: string; size?: number }): React.JSX.Element {
  return (
    <div className="message-parts">
      {parts.map((part, i) =>
        part.type === 'text' ? (
          <pre key={i} className={textClass}>
            {part.text}
          </pre>
        ) : (
          <ImageThumb key={i} value={{ image: part.image, ...(part.alt !== undefined ? { alt: part.alt } : {}) }} size={size} />
        ),
      )}
    </div>
  );
}
