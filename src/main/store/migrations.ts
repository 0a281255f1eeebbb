/**
 * Schema migrations, applied in order and recorded in `PRAGMA user_version`. Never edit a
 * migration that has shipped: add a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  CREATE TABLE providers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('openai')),
    base_url TEXT NOT NULL,
    api_key_envar TEXT,
    created_at TEXT NOT NULL
  );
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    messages TEXT NOT NULL,
    variables TEXT NOT NULL,
    columns TEXT NOT NULL
  );
  CREATE INDEX runs_by_created ON runs (created_at DESC);
  CREATE TABLE cells (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    column_index INTEGER NOT NULL,
    provider_id TEXT NOT NULL,
    provider_name TEXT NOT NULL,
    model TEXT NOT NULL,
    params TEXT NOT NULL,
    variables TEXT NOT NULL,
    messages TEXT NOT NULL,
    status TEXT NOT NULL,
    output TEXT NOT NULL DEFAULT '',
    input_tokens INTEGER,
    output_tokens INTEGER,
    ttft_ms REAL,
    total_ms REAL,
    cost_usd REAL,
    finish_reason TEXT,
    error_code TEXT,
    error_message TEXT
  );
  CREATE INDEX cells_by_run ON cells (run_id, position);
  `,
  // Which process owns a running run, so opening the database does not mark another live
  // process's runs (the app's, while the CLI runs) as interrupted.
  `
  ALTER TABLE runs ADD COLUMN owner TEXT;
  `,
];
