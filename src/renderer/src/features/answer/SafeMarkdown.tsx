import { Component, memo, type ReactNode } from 'react';
import Markdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { safeLinkUrl } from './answer-format';

/**
 * An answer's Markdown, drawn as data. No raw HTML (react-markdown shows it as text; rehype-raw
 * is never added), no image is loaded (its alt text and address are shown instead), and a
 * link is an anchor only for https, opened in a new window, which the desktop app hands to the
 * system browser; every other link is text with its address beside it.
 */

function LinkOut({ href, children }: { href?: string; children?: ReactNode }): React.JSX.Element {
  const url = href ?? '';
  const safe = safeLinkUrl(url);
  const text = typeof children === 'string' ? children : undefined;
  // An autolink's text is its address: no need to show it twice.
  const sameAsText = text !== undefined && (text === url || `https://${text}` === url || `http://${text}` === url || `mailto:${text}` === url);
  if (safe) {
    return (
      <a href={safe} target="_blank" rel="noopener noreferrer nofollow" className="answer-link" title={safe}>
        {children}
        {!sameAsText && <span className="answer-url"> ({safe})</span>}
      </a>
    );
  }
  return (
    <span className="answer-link-text">
      {children}
      {!sameAsText && url !== '' && <span className="answer-url"> ({url})</span>}
    </span>
  );
}

function ImageAsText({ src, alt }: { src?: string | Blob; alt?: string }): React.JSX.Element {
  const address = typeof src === 'string' ? src : '';
  return (
    <span className="answer-image">
      [image{alt ? `: ${alt}` : ''}]{address !== '' && <span className="answer-url"> ({address})</span>}
    </span>
  );
}

const COMPONENTS: Components = {
  a: ({ href, children }) => <LinkOut href={href}>{children}</LinkOut>,
  img: ({ src, alt }) => <ImageAsText src={src} alt={alt} />,
  // A task list's box as text: a disabled checkbox with no label is a control a screen reader cannot name.
  input: ({ type, checked }) => (type === 'checkbox' ? <span className="answer-task">{checked ? '[x] ' : '[ ] '}</span> : null),
};

/** The addresses are kept as written, so they can be shown; the components above decide what is followed. */
const keepUrl = (url: string): string => url;

const REMARK_PLUGINS = [remarkGfm];

export const SafeMarkdown = memo(function SafeMarkdown({ text }: { text: string }): React.JSX.Element {
  return (
    <Markdown remarkPlugins={REMARK_PLUGINS} components={COMPONENTS} urlTransform={keepUrl} skipHtml={false}>
      {text}
    </Markdown>
  );
});

interface BoundaryProps {
  /** What to show instead when the children throw (Markdown nested thousands deep runs out of stack). */
  fallback: ReactNode;
  children: ReactNode;
}

/** Give it a `key` that changes with the text: the next answer gets a fresh try. */
export class RenderBoundary extends Component<BoundaryProps, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override render(): ReactNode {
    return this.state.failed ? this.props.fallback : this.props.children;
  }
}
