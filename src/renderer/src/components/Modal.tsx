import { useEffect, useRef, type ReactNode } from 'react';

interface Props {
  title: string;
  onClose(): void;
  children: ReactNode;
}

const FIELDS = 'input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled])';
const FOCUSABLE = `${FIELDS}, button:not([disabled]), a[href], [tabindex]:not([tabindex="-1"])`;

/**
 * Where focus goes when a dialog opens: an element marked `data-autofocus`, else the first
 * field, else the first control of the body. Never the close button while there is anything
 * else: `showModal()` alone picks the first focusable element, which is ✕. (React's `autoFocus`
 * runs before the dialog is shown, so it cannot do this.)
 */
export function focusFirstField(dialog: HTMLElement): void {
  const body = dialog.querySelector<HTMLElement>('.modal-body') ?? dialog;
  const target = body.querySelector<HTMLElement>('[data-autofocus]') ?? body.querySelector<HTMLElement>(FIELDS) ?? body.querySelector<HTMLElement>(FOCUSABLE);
  target?.focus();
}

/** A modal dialog on the native <dialog>: focus moves to its first field, Esc closes, the page behind is inert. */
export function Modal({ title, onClose, children }: Props): React.JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) {
      dialog.showModal();
      focusFirstField(dialog);
    }
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="modal"
      aria-label={title}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <header className="row spread">
        <h2>{title}</h2>
        <button type="button" className="ghost" aria-label="Close" title="Close (Esc)" onClick={onClose}>
          ✕
        </button>
      </header>
      <div className="modal-body">{children}</div>
    </dialog>
  );
}
