/**
 * node-sql-parser for is-sql / contains-sql checks (src/shared/assertions/sql.ts takes it as an
 * injected `SqlParser`): it holds a grammar for every database, 24 MB of JavaScript the renderer
 * never needs, so only main loads it, on the first SQL check (~200 ms), not at start-up.
 */
import { createRequire } from 'node:module';
import type { Parser } from 'node-sql-parser';
import type { SqlParser, SqlParserOptions } from '../../shared/assertions/sql';

let parser: Parser | undefined;

function load(): Parser {
  if (!parser) {
    // A CommonJS bundle whose exports Node's ESM loader cannot see by name: required, as promptfoo reads `.Parser` off it.
    const sql = createRequire(import.meta.url)('node-sql-parser') as { Parser: new () => Parser };
    parser = new sql.Parser();
  }
  return parser;
}

/** The shared parser, loaded when first used. */
export const sqlParser: SqlParser = {
  astify: (sql: string, opt?: SqlParserOptions) => load().astify(sql, opt),
  parse: (sql: string, opt?: SqlParserOptions) => load().parse(sql, opt),
  whiteListCheck: (sql: string, whiteList: string[], opt?: SqlParserOptions) => load().whiteListCheck(sql, whiteList, opt),
};
