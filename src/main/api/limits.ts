/**
 * Shape limits on input from any front door, checked before a schema sees it. Schemas walk
 * values recursively, so input nested thousands of levels deep would overflow the stack; and a
 * value from IPC (structured clone) may share or even loop back to its own parts. Both walks
 * here are iterative and bounded, so a hostile value costs at most MAX_INPUT_NODES steps.
 */

import { MAX_IMAGE_BASE64_CHARS } from '../../shared/images';

/**
 * Methods whose body may be larger than the web door's usual cap: an image on its way to the
 * store is up to 20 MB, so about 27 MB as base64 in JSON. Only this method gets the room.
 */
export const LARGE_BODY_METHODS: Readonly<Record<string, number>> = { 'images.save': MAX_IMAGE_BASE64_CHARS + 64 * 1024 };

/** Deeper than anything the contract accepts (a test case's JSON value sits about 5 levels down). */
export const MAX_INPUT_DEPTH = 64;
/** Values visited in one input; far above a 100,000-row workspace, far below a stack or memory problem. */
export const MAX_INPUT_NODES = 4_000_000;

export type ShapeProblem = { kind: 'depth' } | { kind: 'size' };

export function describeShapeProblem(problem: ShapeProblem): string {
  return problem.kind === 'depth'
    ? `The input is nested more than ${MAX_INPUT_DEPTH} levels deep; nothing Parallax takes is shaped like that.`
    : `The input has more than ${MAX_INPUT_NODES.toLocaleString('en-US')} values; nothing Parallax takes is that large.`;
}

/**
 * Checks a parsed value: depth counts objects and arrays from the top (a bare string is depth 0,
 * `[]` is 1). Shared references are walked each time they appear, and a cycle is simply deeper
 * than the limit, so no visited set is needed.
 */
export function checkValueShape(value: unknown, maxDepth = MAX_INPUT_DEPTH, maxNodes = MAX_INPUT_NODES): ShapeProblem | undefined {
  // Two parallel stacks (value, its depth) rather than one of small objects: cheaper on big input.
  const values: unknown[] = [value];
  const depths: number[] = [0];
  let visited = 0;
  while (values.length > 0) {
    const current = values.pop();
    const depth = (depths.pop() ?? 0) + 1;
    visited += 1;
    if (current === null || typeof current !== 'object') continue;
    if (depth > maxDepth) return { kind: 'depth' };
    const children: unknown[] = Array.isArray(current) ? current : Object.values(current);
    if (visited + values.length + children.length > maxNodes) return { kind: 'size' };
    for (const child of children) {
      values.push(child);
      depths.push(depth);
    }
  }
  return undefined;
}

/**
 * How deep JSON text nests, read without parsing it: brackets outside strings. Stops as soon
 * as the limit is passed, so a body of eight million `[` costs one short scan.
 */
export function jsonTextTooDeep(text: string, maxDepth = MAX_INPUT_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i += 1;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth -= 1;
    }
  }
  return false;
}
