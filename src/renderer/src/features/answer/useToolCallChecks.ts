import { useEffect, useMemo, useState } from 'react';
import { checkToolCall, type ToolCallCheck } from '../../../../shared/tool-calls';
import type { ToolCall, ToolDefinition } from '../../../../shared/tools';
import { api } from '../../bridge/current';

/**
 * Each call's check: JSON, tool name and "no schema" are known here at once; arguments against a
 * schema are checked by main (toolCalls.check; ajv may not run in the renderer). Answers are kept
 * by call and schema, so a grid scrolling back over the same cells asks nothing again.
 */

/** Checks kept; the oldest go first. */
const MAX_KEPT = 2000;
const kept = new Map<string, ToolCallCheck>();

/** FNV-1a over the whole text: two calls with the same ends and length must still differ. */
function digest(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

function keyOf(call: ToolCall, tool: ToolDefinition | undefined): string {
  return `${call.name}\u0000${call.arguments.length}:${digest(call.arguments)}\u0000${digest(JSON.stringify(tool?.parameters ?? null))}`;
}

function keep(key: string, check: ToolCallCheck): void {
  if (kept.size >= MAX_KEPT) {
    const oldest = kept.keys().next();
    if (!oldest.done) kept.delete(oldest.value);
  }
  kept.set(key, check);
}

/** undefined while main checks a call; 'unchecked' when it could not be asked. */
export type ShownCheck = ToolCallCheck | undefined | 'unchecked';

export function useToolCallChecks(calls: readonly ToolCall[], tools: readonly ToolDefinition[] | undefined): ShownCheck[] {
  const plan = useMemo(
    () =>
      calls.map((call) => {
        const now = checkToolCall(call, tools);
        if (now) return { now, key: undefined, tool: undefined };
        const tool = tools?.find((t) => t.name === call.name);
        return { now: undefined, key: keyOf(call, tool), tool };
      }),
    [calls, tools],
  );
  const [asked, setAsked] = useState<ReadonlyMap<string, ToolCallCheck | 'unchecked'>>(new Map());

  useEffect(() => {
    const wanted = plan.flatMap((p, i) => (p.key !== undefined && !kept.has(p.key) ? [{ key: p.key, call: calls[i], tool: p.tool }] : []));
    if (wanted.length === 0) return;
    let live = true;
    const toolsSent = [...new Map(wanted.flatMap((w) => (w.tool ? [[w.tool.name, w.tool] as const] : []))).values()];
    const checker = api();
    void checker['toolCalls.check']({ calls: wanted.flatMap((w) => (w.call ? [w.call] : [])), tools: toolsSent })
      .then(({ checks }) => {
        wanted.forEach((w, i) => {
          const check = checks[i];
          if (check) keep(w.key, check);
        });
        if (live) setAsked(new Map(wanted.map((w, i) => [w.key, checks[i] ?? 'unchecked'])));
      })
      .catch(() => {
        if (live) setAsked(new Map(wanted.map((w) => [w.key, 'unchecked' as const])));
      });
    return () => {
      live = false;
    };
  }, [plan, calls]);

  return plan.map((p) => p.now ?? (p.key !== undefined ? (kept.get(p.key) ?? asked.get(p.key)) : undefined));
}
