/**
 * YAML front matter (`---` lines around YAML at the top of a file), read with positions for
 * messages with line numbers, and written so that Prompty's Python runtime reads it the same.
 */
import { Document, LineCounter, Scalar, isMap, isNode, isPair, isScalar, parse, parseDocument, visit, type Document as YamlDocument } from 'yaml';
import type { ImportReport, Position } from './common';

export type FrontMatter =
  | { found: false; body: string }
  | { found: true; yaml: string; /** File line of the first YAML line. */ yamlLine: number; body: string; /** File line of the first body line. */ bodyLine: number }
  | { found: 'unclosed' };

/** `---` on the first line, YAML, `---` on a line of its own, then the body. */
export function splitFrontMatter(text: string): FrontMatter {
  const lines = text.split('\n');
  if (lines[0]?.trimEnd() !== '---') return { found: false, body: text };
  const close = lines.findIndex((line, index) => index > 0 && line.trimEnd() === '---');
  if (close < 0) return { found: 'unclosed' };
  return { found: true, yaml: lines.slice(1, close).join('\n'), yamlLine: 2, body: lines.slice(close + 1).join('\n'), bodyLine: close + 2 };
}

/** True when a YAML 1.1 reader (PyYAML, which Prompty's Python runtime uses) reads the plain text back as this same string. */
function plainIsStringIn11(value: string): boolean {
  try {
    return parse(value, { version: '1.1', logLevel: 'silent' }) === value;
  } catch {
    return false;
  }
}

/** A run of three or more of `ch` with every second one escaped, so the run never reads as `---`/`+++`. */
function breakRuns(text: string, ch: '-' | '+'): string {
  const escape = ch === '-' ? '\\x2D' : '\\x2B';
  const run = ch === '-' ? /-{3,}/g : /\+{3,}/g;
  return text.replace(run, (match) => [...match].map((c, i) => (i % 2 === 1 ? escape : c)).join(''));
}

/**
 * Writes `---\n<yaml>---\n`. Two readers shape the output beyond what the `yaml` package does:
 * - Prompty's Python runtime finds the end of the front matter with a regex that stops at the
 *   first `---` or `+++` anywhere, even inside a value: strings holding one are double-quoted
 *   and the run is written with `\x2D`/`\x2B` escapes, which every YAML reader decodes.
 * - PyYAML reads YAML 1.1, where `yes`, `no`, `on`, `off` are booleans: such strings are quoted,
 *   and where NEL, LS and PS are line breaks: strings holding one are quoted with escapes.
 */
export function writeFrontMatter(data: Record<string, unknown>): string {
  const doc = new Document(data);
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return;
      if (/---|\+\+\+|[\u0085\u2028\u2029]/.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
      else if (!node.value.includes('\n') && !plainIsStringIn11(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  // With the risky strings double-quoted, every `---` and every NEL, LS, PS left is inside one,
  // where an escape means the same to every reader (PyYAML would take those three as line breaks).
  const yaml = breakRuns(breakRuns(doc.toString({ lineWidth: 0 }), '-'), '+').replace(/[\u0085\u2028\u2029]/g, (ch) =>
    ch === '\u0085' ? '\\N' : ch === '\u2028' ? '\\L' : '\\P',
  );
  return `---\n${yaml}---\n`;
}

/** Parsed YAML that still knows where each value came from, for messages with line numbers. */
export class YamlSource {
  private constructor(
    private readonly doc: YamlDocument,
    private readonly lines: LineCounter,
    private readonly lineOffset: number,
    readonly value: unknown,
  ) {}

  /** `firstLine` is the file line the text starts on. Syntax errors go to the report. */
  static parse(text: string, firstLine: number, report: ImportReport): YamlSource | undefined {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, logLevel: 'silent' });
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const pos = lines.linePos(error.pos[0]);
        report.error(`YAML syntax error: ${error.message.split('\n')[0] ?? error.message}`, { line: pos.line + firstLine - 1, column: pos.col });
      }
      return undefined;
    }
    try {
      return new YamlSource(doc, lines, firstLine - 1, doc.toJS({ maxAliasCount: 100 }));
    } catch (error) {
      report.error(`YAML error: ${error instanceof Error ? error.message : String(error)}`, { line: firstLine });
      return undefined;
    }
  }

  /** Where a value (or with `atKey`, its key) starts; for a missing path, its nearest parent. */
  at(path: ReadonlyArray<string | number>, atKey = false): Position {
    for (let length = path.length; length >= 0; length--) {
      const prefix = path.slice(0, length);
      let node: unknown = length === 0 ? this.doc.contents : this.doc.getIn(prefix, true);
      if (atKey && length === path.length && length > 0) {
        const parent = length === 1 ? this.doc.contents : this.doc.getIn(prefix.slice(0, -1), true);
        if (isMap(parent)) {
          const wanted = prefix[prefix.length - 1];
          node = parent.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === wanted)?.key ?? node;
        }
      }
      if (isNode(node) && node.range) {
        const { line, col } = this.lines.linePos(node.range[0]);
        return { line: line + this.lineOffset, column: col };
      }
    }
    return {};
  }
}
