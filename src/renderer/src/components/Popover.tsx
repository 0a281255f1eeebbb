import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import './popover.css';

interface Props {
  /** The button's text (its accessible name contains it). */
  text: ReactNode;
  /** Names the popover for assistive technology. */
  label: string;
  className?: string;
  buttonTitle?: string;
  /** -1 inside a composite widget (the results grid is one tab stop). */
  tabIndex?: number;
  children: ReactNode;
}

const GAP = 4;
const MARGIN = 8;

/** Puts the popover under its button (above it when there is no room), inside the window. */
function place(button: HTMLElement, popover: HTMLElement): void {
  const anchor = button.getBoundingClientRect();
  const width = popover.offsetWidth;
  const height = popover.offsetHeight;
  const left = Math.max(MARGIN, Math.min(anchor.left, window.innerWidth - width - MARGIN));
  const below = anchor.bottom + GAP;
  const top = below + height <= window.innerHeight - MARGIN || anchor.top - GAP - height < MARGIN ? below : anchor.top - GAP - height;
  popover.style.left = `${Math.round(left)}px`;
  popover.style.top = `${Math.round(Math.max(MARGIN, top))}px`;
}

/**
 * A button that opens a panel in the top layer (the native Popover API): never clipped by a
 * cell's overflow or covered by its neighbours, anchored to the button, closed by Esc or a
 * click elsewhere, with focus back on the button.
 */
export function Popover({ text, label, className, buttonTitle, tabIndex, children }: Props): React.JSX.Element {
  const id = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const popoverRef = useRef<HTMLDivElement>(null);
  const [open, setOpen] = useState(false);

  useEffect(() => {
    const popover = popoverRef.current;
    const button = buttonRef.current;
    if (!popover || !button) return;
    const onToggle = (event: Event): void => {
      const isOpen = (event as ToggleEvent).newState === 'open';
      setOpen(isOpen);
      if (isOpen) place(button, popover);
      else if (popover.contains(document.activeElement)) button.focus();
    };
    popover.addEventListener('toggle', onToggle);
    return () => popover.removeEventListener('toggle', onToggle);
  }, []);

  // Listens only while open: a grid holds a closed popover in every cell, and scrolling it
  // would otherwise call each of them on every scroll event.
  useEffect(() => {
    const popover = popoverRef.current;
    const button = buttonRef.current;
    if (!open || !popover || !button) return;
    const reposition = (): void => {
      if (popover.matches(':popover-open')) place(button, popover);
    };
    window.addEventListener('resize', reposition);
    // The grid scrolls under an open popover: it follows its button.
    window.addEventListener('scroll', reposition, true);
    return () => {
      window.removeEventListener('resize', reposition);
      window.removeEventListener('scroll', reposition, true);
    };
  }, [open]);

  // Esc closes only the popover: not the dialog around it, and it does not stop a run (App's Esc).
  const onKeyDown = (event: React.KeyboardEvent): void => {
    const popover = popoverRef.current;
    if (event.key !== 'Escape' || !popover?.matches(':popover-open')) return;
    event.preventDefault();
    event.stopPropagation();
    popover.hidePopover();
    buttonRef.current?.focus();
  };

  return (
    <>
      <button
        ref={buttonRef}
        type="button"
        popoverTarget={id}
        aria-expanded={open}
        aria-controls={id}
        title={buttonTitle}
        {...(tabIndex !== undefined ? { tabIndex } : {})}
        onClick={(event) => event.stopPropagation()}
        onKeyDown={onKeyDown}
      >
        {text}
      </button>
      <div
        ref={popoverRef}
        id={id}
        popover="auto"
        role="dialog"
        aria-label={label}
        className={`popover${className ? ` ${className}` : ''}`}
        onClick={(event) => event.stopPropagation()}
        onKeyDown={onKeyDown}
      >
        {children}
      </div>
    </>
  );
}
