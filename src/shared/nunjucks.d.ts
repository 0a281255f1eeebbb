// The part of Nunjucks that src/shared/template.ts uses: its lexer and parser, never its
// compiler (which needs `new Function`, forbidden by the renderer's CSP). Types only: the
// code comes from Nunjucks' browser bundle (see template.ts for why).
declare module 'nunjucks/src/parser.js' {
  /** A node of the syntax tree. Positions are 0-based; `fields` names the child slots. */
  export interface ParsedNode {
    readonly typename: string;
    readonly fields: readonly string[];
    readonly lineno: number;
    readonly colno: number;
  }

  export interface LexerOptions {
    trimBlocks?: boolean;
    lstripBlocks?: boolean;
  }

  /** Throws a TemplateError (`lineno`/`colno` 1-based, or absent at the end of the text). */
  // CommonJS: imported as a default export, which both Node's ESM loader and Vite accept.
  const parser: { parse(src: string, extensions?: readonly never[], opts?: LexerOptions): ParsedNode };
  export default parser;
}

declare module 'nunjucks/src/lexer.js' {
  /** One token; `lineno`/`colno` are 0-based. */
  export interface LexToken {
    readonly type: string;
    readonly value: string;
    readonly lineno: number;
    readonly colno: number;
  }
  export interface Tokenizer {
    nextToken(): LexToken | null;
  }
  const lexer: { lex(src: string, opts?: { trimBlocks?: boolean; lstripBlocks?: boolean }): Tokenizer };
  export default lexer;
}

declare module 'nunjucks/browser/nunjucks.js' {
  import type parser from 'nunjucks/src/parser.js';
  import type lexer from 'nunjucks/src/lexer.js';
  const bundle: { parser: typeof parser; lexer: typeof lexer };
  export default bundle;
}
