/**
 * "Export results": the whole run (cells, checks, ratings, votes, and the verdict in JSON) as a
 * file, through the save dialog on the desktop or a download in the browser.
 */
import { useEffect, useRef, useState } from 'react';
import { api } from '../../bridge/current';
import { messageOf } from '../../state/errors';
import { deliverFile } from '../files/deliver';

const FORMATS = [
  { id: 'json', label: 'JSON (everything, with the verdict)' },
  { id: 'csv', label: 'CSV (one line per answer, then the votes)' },
] as const;

type Outcome = { kind: 'idle' } | { kind: 'busy' } | { kind: 'done'; message: string } | { kind: 'error'; message: string };

export function ExportResults({ runId }: { runId: string }): React.JSX.Element {
  const [open, setOpen] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'idle' });
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const close = (event: MouseEvent): void => {
      if (!menu.current?.contains(event.target as Node) && !button.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);

  const exportAs = async (format: 'json' | 'csv'): Promise<void> => {
    setOpen(false);
    button.current?.focus();
    setOutcome({ kind: 'busy' });
    try {
      const file = await api()['runs.export']({ runId, format });
      const where = await deliverFile(file);
      setOutcome(where ? { kind: 'done', message: where } : { kind: 'idle' });
    } catch (error) {
      setOutcome({ kind: 'error', message: `Could not export the results: ${messageOf(error)}` });
    }
  };

  const onMenuKey = (event: React.KeyboardEvent<HTMLDivElement>): void => {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    const to: Record<string, number> = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 };
    if (event.key === 'Escape' || event.key === 'Tab') {
      if (event.key === 'Escape') event.preventDefault();
      setOpen(false);
      button.current?.focus();
      return;
    }
    const next = to[event.key];
    if (next === undefined) return;
    event.preventDefault();
    items[(next + items.length) % items.length]?.focus();
  };

  return (
    <div className="verdict-export">
      <button
        ref={button}
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? 'verdict-export-menu' : undefined}
        disabled={outcome.kind === 'busy'}
        onClick={() => setOpen((o) => !o)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' && !open) {
            event.preventDefault();
            setOpen(true);
          }
        }}
      >
        {outcome.kind === 'busy' ? 'Exporting…' : 'Export results'}
      </button>
      {open && (
        <div ref={menu} id="verdict-export-menu" role="menu" aria-label="Export results as" className="verdict-menu" onKeyDown={onMenuKey}>
          {FORMATS.map((f) => (
            <button key={f.id} type="button" role="menuitem" tabIndex={-1} onClick={() => void exportAs(f.id)}>
              {f.label}
            </button>
          ))}
        </div>
      )}
      {outcome.kind === 'done' && (
        <span className="muted" role="status">
          {outcome.message}
        </span>
      )}
      {outcome.kind === 'error' && (
        <span className="error-text" role="alert">
          {outcome.message}
        </span>
      )}
    </div>
  );
}
