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
  // The prompt library: prompts with versions, and full-text search over prompts and outputs.
  `
  CREATE TABLE prompts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    description TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE prompt_versions (
    id TEXT PRIMARY KEY,
    prompt_id TEXT NOT NULL REFERENCES prompts (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    source TEXT NOT NULL,
    messages TEXT NOT NULL,
    variables TEXT NOT NULL,
    model TEXT,
    label TEXT,
    UNIQUE (prompt_id, number)
  );
  CREATE UNIQUE INDEX prompt_version_labels ON prompt_versions (prompt_id, label) WHERE label IS NOT NULL;
  ALTER TABLE runs ADD COLUMN prompt_version_id TEXT REFERENCES prompt_versions (id) ON DELETE SET NULL;
  CREATE INDEX runs_by_prompt_version ON runs (prompt_version_id);
  CREATE VIRTUAL TABLE prompt_search USING fts5 (prompt_id UNINDEXED, name, description, tags, template, tokenize = 'unicode61 remove_diacritics 2');
  CREATE VIRTUAL TABLE output_search USING fts5 (cell_id UNINDEXED, run_id UNINDEXED, output, tokenize = 'unicode61 remove_diacritics 2');
  INSERT INTO output_search (cell_id, run_id, output) SELECT id, run_id, output FROM cells WHERE output <> '';
  `,
  // A provider that arrived in an imported file is held until a person confirms it: until
  // then Parallax sends it no key and no request (a file must not be able to exfiltrate keys).
  `
  ALTER TABLE providers ADD COLUMN needs_review INTEGER NOT NULL DEFAULT 0;
  `,
  // The run matrix: test cases × variants × repeats, a response cache, counts kept on the run.
  `
  ALTER TABLE cells ADD COLUMN case_index INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE cells ADD COLUMN repeat INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE cells ADD COLUMN cached INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE cells ADD COLUMN attempts INTEGER;
  UPDATE cells SET case_index = 0, repeat = 0;
  ALTER TABLE runs ADD COLUMN test_cases TEXT;
  ALTER TABLE runs ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE runs ADD COLUMN case_count INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE runs ADD COLUMN cell_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE runs ADD COLUMN use_cache INTEGER NOT NULL DEFAULT 0;
  UPDATE runs SET cell_count = (SELECT COUNT(*) FROM cells c WHERE c.run_id = runs.id);
  CREATE INDEX cells_by_run_case ON cells (run_id, case_index, column_index, repeat);
  CREATE INDEX cells_by_run_status ON cells (run_id, status);
  ALTER TABLE providers ADD COLUMN concurrency INTEGER;
  CREATE TABLE response_cache (
    key TEXT PRIMARY KEY,
    output TEXT NOT NULL,
    input_tokens INTEGER,
    output_tokens INTEGER,
    finish_reason TEXT,
    created_at TEXT NOT NULL
  );
  `,
  // Judging: checks' results on cells, people's ratings of cells, and blind pairwise votes.
  `
  ALTER TABLE cells ADD COLUMN grading TEXT;
  ALTER TABLE runs ADD COLUMN assertions TEXT;
  ALTER TABLE runs ADD COLUMN judge TEXT;
  CREATE TABLE ratings (
    cell_id TEXT PRIMARY KEY REFERENCES cells (id) ON DELETE CASCADE,
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    score INTEGER,
    thumb TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    note TEXT,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX ratings_by_run ON ratings (run_id);
  CREATE TABLE votes (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    case_index INTEGER NOT NULL,
    left_cell_id TEXT NOT NULL,
    right_cell_id TEXT NOT NULL,
    left_column INTEGER NOT NULL,
    right_column INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    note TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (run_id, left_cell_id, right_cell_id)
  );
  CREATE INDEX votes_by_run ON votes (run_id);
  `,
  // Liveness by heartbeat: the process running a run keeps pushing lease_until (ms since the
  // epoch) forward; a running run whose lease has lapsed is interrupted, whatever its pid.
  // The providers a run was started with (never their keys), so any process can resume it.
  `
  ALTER TABLE runs ADD COLUMN lease_until INTEGER;
  ALTER TABLE runs ADD COLUMN providers TEXT;
  ALTER TABLE runs ADD COLUMN fingerprint TEXT;
  CREATE INDEX runs_by_fingerprint ON runs (fingerprint) WHERE fingerprint IS NOT NULL;
  `,
  // An answer longer than the stored cap keeps its first part and a mark saying so; answer_bytes
  // is the whole answer's size in UTF-8 bytes (NULL when the answer is stored whole).
  `
  ALTER TABLE cells ADD COLUMN answer_bytes INTEGER;
  `,
  // A provider's own timeouts (connect, first byte, idle stream, total), as JSON in ms.
  `
  ALTER TABLE providers ADD COLUMN timeouts TEXT;
  `,
  // History: search over a run's prompt and test-case values (its answers are in output_search),
  // indexed in batches when a search first needs it (run_search_done says which runs are in);
  // and a run's pass rate and cost, computed once when History shows it and dropped whenever
  // one of its cells changes status, checks or cost (the trigger), so re-grading never shows stale figures.
  `
  CREATE VIRTUAL TABLE run_search USING fts5 (run_id UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2');
  CREATE TABLE run_search_done (run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE);
  CREATE TABLE run_stats (
    run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
    graded INTEGER NOT NULL,
    passed INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    priced INTEGER NOT NULL
  );
  CREATE TRIGGER run_stats_stale AFTER UPDATE OF status, grading, cost_usd ON cells
  BEGIN
    DELETE FROM run_stats WHERE run_id = NEW.run_id;
  END;
  `,
  // A cell whose server sent no usage: its tokens were counted with the tokenizer and its cost
  // is an estimate, said so wherever the cost is shown.
  `
  ALTER TABLE cells ADD COLUMN cost_estimated INTEGER NOT NULL DEFAULT 0;
  `,
  // History says when a run's cost is partly an estimate: how many of its cells' costs are.
  // The figures kept so far are dropped, to be counted again with it.
  `
  ALTER TABLE run_stats ADD COLUMN estimated INTEGER NOT NULL DEFAULT 0;
  DELETE FROM run_stats;
  `,
  // A run's test cases go into History's search a batch per transaction, with pauses between,
  // so a run of 100,000 rows never holds the thread: next_case is where it goes on (NULL: done).
  `
  ALTER TABLE run_search_done ADD COLUMN next_case INTEGER;
  `,
  // What a cell holds besides its answer, as JSON: the model's thinking, its tool calls, and the
  // parts of its token counts (cache reads and writes, thinking). The response cache keeps the same.
  // A provider's `kind` (openai, anthropic, google) now varies; `api` is the OpenAI API it speaks (chat, responses).
  `
  ALTER TABLE cells ADD COLUMN extra TEXT;
  ALTER TABLE response_cache ADD COLUMN extra TEXT;
  ALTER TABLE providers ADD COLUMN api TEXT;
  `,
  // The first migration let a provider's kind be 'openai' only, and SQLite cannot change a CHECK:
  // the table is made again with every kind (no table refers to it, so nothing else moves).
  `
  CREATE TABLE providers_new (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('openai', 'anthropic', 'google')),
    base_url TEXT NOT NULL,
    api_key_envar TEXT,
    created_at TEXT NOT NULL,
    needs_review INTEGER NOT NULL DEFAULT 0,
    concurrency INTEGER,
    timeouts TEXT,
    api TEXT
  );
  INSERT INTO providers_new (id, name, kind, base_url, api_key_envar, created_at, needs_review, concurrency, timeouts, api)
    SELECT id, name, kind, base_url, api_key_envar, created_at, needs_review, concurrency, timeouts, api FROM providers;
  DROP TABLE providers;
  ALTER TABLE providers_new RENAME TO providers;
  `,
  // Several raters: every vote and rating says who gave it (the person's name from Settings,
  // a colleague's from an imported votes file, or "judge:<model>"), and a pair holds one vote
  // per rater. A vote's detail is JSON (an LLM judge's decision in each order). Nothing refers
  // to votes, so the table is made again with the wider unique key.
  `
  CREATE TABLE votes_new (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    case_index INTEGER NOT NULL,
    left_cell_id TEXT NOT NULL,
    right_cell_id TEXT NOT NULL,
    left_column INTEGER NOT NULL,
    right_column INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    note TEXT,
    created_at TEXT NOT NULL,
    rater TEXT NOT NULL DEFAULT 'me',
    detail TEXT,
    UNIQUE (run_id, rater, left_cell_id, right_cell_id)
  );
  INSERT INTO votes_new (id, run_id, case_index, left_cell_id, right_cell_id, left_column, right_column, outcome, note, created_at)
    SELECT id, run_id, case_index, left_cell_id, right_cell_id, left_column, right_column, outcome, note, created_at FROM votes;
  DROP TABLE votes;
  ALTER TABLE votes_new RENAME TO votes;
  CREATE INDEX votes_by_run ON votes (run_id, rater);
  ALTER TABLE ratings ADD COLUMN rater TEXT NOT NULL DEFAULT 'me';
  `,
  // Batch runs: a variant's cells sent to a vendor's batch engine as one long-lived job. The job
  // is kept so a restart polls it again instead of sending it twice; its cells are the ones it
  // names (cell_ids, JSON), and results are written into them as they are read.
  `
  CREATE TABLE batch_jobs (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    column_index INTEGER NOT NULL,
    provider_id TEXT NOT NULL,
    vendor TEXT NOT NULL,
    remote_id TEXT,
    status TEXT NOT NULL,
    total INTEGER NOT NULL,
    succeeded INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    fetched INTEGER NOT NULL DEFAULT 0,
    cell_ids TEXT NOT NULL,
    problem TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX batch_jobs_by_run ON batch_jobs (run_id);
  `,
];
