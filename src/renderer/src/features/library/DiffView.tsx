import { useEffect, useRef } from 'react';
import { monaco } from '../../monaco/setup';

interface Props {
  label: string;
  original: string;
  modified: string;
}

/**
 * Monaco's diff editor, read-only. We own both models and dispose them ourselves after
 * detaching them (setModel(null)), which avoids Monaco's "model disposed" errors on unmount.
 */
export function DiffView({ label, original, modified }: Props): React.JSX.Element {
  const container = useRef<HTMLDivElement>(null);
  const editor = useRef<ReturnType<typeof monaco.editor.createDiffEditor> | undefined>(undefined);

  useEffect(() => {
    if (!container.current) return;
    const instance = monaco.editor.createDiffEditor(container.current, {
      readOnly: true,
      originalEditable: false,
      automaticLayout: true,
      renderSideBySide: true,
      minimap: { enabled: false },
      wordWrap: 'on',
      diffWordWrap: 'on',
      scrollBeyondLastLine: false,
      fontSize: 13,
      theme: 'parallax-dark',
      ariaLabel: label,
      originalAriaLabel: `${label}: before`,
      modifiedAriaLabel: `${label}: after`,
    });
    // The diff editor does not pass its side labels on to the inner editors' input (Monaco 0.55): name them here, so a screen reader (and axe) hears which side it is in.
    instance.getOriginalEditor().updateOptions({ ariaLabel: `${label}: before` });
    instance.getModifiedEditor().updateOptions({ ariaLabel: `${label}: after` });
    editor.current = instance;
    return () => {
      const models = instance.getModel();
      instance.setModel(null);
      instance.dispose();
      models?.original.dispose();
      models?.modified.dispose();
      editor.current = undefined;
    };
  }, [label]);

  useEffect(() => {
    const instance = editor.current;
    if (!instance) return;
    const previous = instance.getModel();
    instance.setModel({ original: monaco.editor.createModel(original, 'plaintext'), modified: monaco.editor.createModel(modified, 'plaintext') });
    previous?.original.dispose();
    previous?.modified.dispose();
  }, [original, modified]);

  return <div className="diff" ref={container} role="region" aria-label={label} />;
}
