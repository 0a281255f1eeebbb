import { describeToolCallCheck, showToolArguments, toolCallLine, type ToolCallCheck } from '../../../../shared/tool-calls';
import type { ToolCall, ToolDefinition } from '../../../../shared/tools';
import { useToolCallChecks, type ShownCheck } from './useToolCallChecks';

/** Arguments drawn at most this long in the cell dialog and Judge; the rest is counted. */
export const ARGUMENTS_MAX_CHARS = 20_000;
/** Calls listed in a grid cell (the dialog lists them all). */
const GRID_CALLS = 2;

interface Props {
  calls: readonly ToolCall[];
  /** The tools the request offered (cell.params.tools): the arguments are checked against their schemas. */
  tools: readonly ToolDefinition[] | undefined;
}

function checkWords(check: ShownCheck, name: string): string {
  if (check === undefined) return 'checking…';
  if (check === 'unchecked') return 'not checked (Parallax could not reach its checker)';
  return describeToolCallCheck(check, name);
}

/** A short word for a grid cell's badge. */
function checkBadge(check: ShownCheck): { text: string; bad: boolean } {
  if (check === undefined) return { text: 'checking…', bad: false };
  if (check === 'unchecked') return { text: 'not checked', bad: false };
  const words: Record<ToolCallCheck['kind'], string> = { valid: 'valid', invalid: 'invalid arguments', 'not-json': 'not valid JSON', 'unknown-tool': 'unknown tool' };
  return { text: words[check.kind], bad: check.kind !== 'valid' };
}

/** A grid cell's calls, a line each (name and compact arguments) with whether they check out. */
export function ToolCallLines({ calls, tools }: Props): React.JSX.Element {
  const checks = useToolCallChecks(calls, tools);
  return (
    <span className="tool-call-lines">
      {calls.slice(0, GRID_CALLS).map((call, i) => {
        const badge = checkBadge(checks[i]);
        return (
          <span key={`${call.id}:${i}`} className="tool-call-line" title={`${call.name}: ${checkWords(checks[i], call.name)}`}>
            {/* The check before the arguments: a long line is cut at its end. */}
            <span className="tool-call-mark">Tool call</span> <span className={`badge${badge.bad ? ' warn' : ''}`}>{badge.text}</span> <code>{toolCallLine(call, 160)}</code>
          </span>
        );
      })}
      {calls.length > GRID_CALLS && <span className="tool-call-line muted">+{(calls.length - GRID_CALLS).toLocaleString('en-US')} more calls</span>}
    </span>
  );
}

function ToolCallItem({ call, check, n }: { call: ToolCall; check: ShownCheck; n: number }): React.JSX.Element {
  const shown = showToolArguments(call.arguments, ARGUMENTS_MAX_CHARS);
  const bad = check !== undefined && check !== 'unchecked' && check.kind !== 'valid';
  return (
    <li className="tool-call" aria-label={`Tool call ${n}: ${call.name}`}>
      <div className="tool-call-head">
        <span className="tool-call-mark">Tool call {n}</span> <code className="tool-call-name">{call.name}</code>
      </div>
      <p className={`tool-call-check${bad ? ' error-text' : ''}`}>Arguments: {checkWords(check, call.name)}</p>
      {shown.note !== undefined && <p className="muted answer-note">The arguments are {shown.note}.</p>}
      <pre className="output tool-call-args" role="region" tabIndex={0} aria-label={`Arguments of ${call.name}`}>
        {shown.text}
      </pre>
      {shown.hidden > 0 && (
        <p className="muted answer-note" role="note">
          … {shown.hidden.toLocaleString('en-US')} more characters of the arguments not shown.
        </p>
      )}
    </li>
  );
}

/** An answer's tool calls in full: each call's tool, its arguments pretty-printed, and whether they fit the tool's schema. */
export function ToolCalls({ calls, tools }: Props): React.JSX.Element {
  const checks = useToolCallChecks(calls, tools);
  return (
    <section className="tool-calls" aria-label="Tool calls">
      <ol>
        {calls.map((call, i) => (
          <ToolCallItem key={`${call.id}:${i}`} call={call} check={checks[i]} n={i + 1} />
        ))}
      </ol>
    </section>
  );
}
