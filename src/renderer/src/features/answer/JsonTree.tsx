import { useId, useState } from 'react';
import { childrenOf, describeValue, isContainer, JSON_MAX_CHILDREN, JSON_MAX_DEPTH } from './answer-format';

/**
 * A JSON value as a tree (the WAI-ARIA tree pattern): one tab stop, arrows move, Right/Left
 * open and close, Enter or Space toggles, Home/End jump. Children are drawn only when their
 * node is open, at most JSON_MAX_CHILDREN per node and JSON_MAX_DEPTH levels deep, so a value
 * nested 10,000 deep or with a million keys costs what is on screen.
 */

const ROOT = '$';

interface TreeContext {
  expanded: ReadonlySet<string>;
  focusable: string;
  toggle(path: string): void;
  setActive(path: string): void;
}

function childPath(path: string, key: string): string {
  return `${path}/${encodeURIComponent(key)}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function JsonNode({ path, name, value, depth, ctx }: { path: string; name: string | undefined; value: unknown; depth: number; ctx: TreeContext }): React.JSX.Element {
  const labelId = useId();
  const tooDeep = depth >= JSON_MAX_DEPTH && isContainer(value);
  const container = isContainer(value) && !tooDeep;
  const { shown, total } = container ? childrenOf(value) : { shown: [], total: 0 };
  const expandable = container && total > 0;
  const open = expandable && ctx.expanded.has(path);
  return (
    <li
      role="treeitem"
      aria-expanded={expandable ? open : undefined}
      aria-labelledby={labelId}
      tabIndex={ctx.focusable === path ? 0 : -1}
      data-path={path}
      className="json-node"
      onFocus={(event) => {
        if (event.target === event.currentTarget) ctx.setActive(path);
      }}
    >
      <span
        id={labelId}
        className="json-row"
        onClick={(event) => {
          (event.currentTarget.parentElement as HTMLElement | null)?.focus();
          if (expandable) ctx.toggle(path);
        }}
      >
        <span className="json-twisty" aria-hidden="true">
          {expandable ? (open ? '▾' : '▸') : ''}
        </span>
        {name !== undefined && <span className="json-key">{name}: </span>}
        <span className={`json-value json-${kindOf(value)}`}>{tooDeep ? `… nested deeper than ${JSON_MAX_DEPTH} levels (see Raw)` : describeValue(value)}</span>
      </span>
      {open && (
        <ul role="group">
          {shown.map((child) => (
            <JsonNode key={child.key} path={childPath(path, child.key)} name={child.key} value={child.value} depth={depth + 1} ctx={ctx} />
          ))}
          {total > shown.length && <MoreItem path={`${path}/#more`} hidden={total - JSON_MAX_CHILDREN} ctx={ctx} />}
        </ul>
      )}
    </li>
  );
}

function MoreItem({ path, hidden, ctx }: { path: string; hidden: number; ctx: TreeContext }): React.JSX.Element {
  return (
    <li
      role="treeitem"
      tabIndex={ctx.focusable === path ? 0 : -1}
      data-path={path}
      className="json-node json-more"
      onFocus={(event) => {
        if (event.target === event.currentTarget) ctx.setActive(path);
      }}
    >
      … {hidden.toLocaleString('en-US')} more not shown (see Raw)
    </li>
  );
}

/** Every node above `path` is open, so it is on screen. */
function isShown(path: string, expanded: ReadonlySet<string>): boolean {
  let at = path.lastIndexOf('/');
  while (at > 0) {
    if (!expanded.has(path.slice(0, at))) return false;
    at = path.lastIndexOf('/', at - 1);
  }
  return true;
}

export function JsonTree({ value, label }: { value: object; label: string }): React.JSX.Element {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set([ROOT]));
  const [active, setActive] = useState(ROOT);
  const toggle = (path: string, to?: boolean): void =>
    setExpanded((now) => {
      const open = to ?? !now.has(path);
      if (open === now.has(path)) return now;
      const next = new Set(now);
      if (open) next.add(path);
      else next.delete(path);
      return next;
    });
  // The one tab stop: the node last focused, or the root once that node is hidden in a closed one.
  const focusable = isShown(active, expanded) ? active : ROOT;
  const ctx: TreeContext = { expanded, focusable, toggle, setActive };

  const onKeyDown = (event: React.KeyboardEvent<HTMLUListElement>): void => {
    const item = (event.target as HTMLElement).closest<HTMLElement>('[role="treeitem"]');
    if (!item) return;
    const items = Array.from(event.currentTarget.querySelectorAll<HTMLElement>('[role="treeitem"]'));
    const at = items.indexOf(item);
    const path = item.dataset.path ?? ROOT;
    const state = item.getAttribute('aria-expanded');
    const move = (to: HTMLElement | null | undefined): void => to?.focus();
    switch (event.key) {
      case 'ArrowDown':
        move(items[at + 1]);
        break;
      case 'ArrowUp':
        move(items[at - 1]);
        break;
      case 'Home':
        move(items[0]);
        break;
      case 'End':
        move(items[items.length - 1]);
        break;
      case 'ArrowRight':
        if (state === 'false') toggle(path, true);
        else if (state === 'true') move(items[at + 1]);
        break;
      case 'ArrowLeft':
        if (state === 'true') toggle(path, false);
        else move(item.parentElement?.closest<HTMLElement>('[role="treeitem"]'));
        break;
      case 'Enter':
      case ' ':
        if (state !== null) toggle(path);
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  };

  return (
    <ul role="tree" aria-label={label} className="json-tree" onKeyDown={onKeyDown}>
      <JsonNode path={ROOT} name={undefined} value={value} depth={0} ctx={ctx} />
    </ul>
  );
}
