/**
 * The prompt library in SQLite: prompts, their numbered versions, labels, and full-text
 * search (FTS5) over names, descriptions, tags, every version's template, and the outputs of
 * runs that used a version.
 */
import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { AppError } from '../../shared/errors';
import type { PromptModel } from '../../shared/formats/document';
import type { PromptSummary, PromptVersion, VersionRun, VersionSource, VersionSummary } from '../../shared/library';
import type { Message, RunStatus, Variables } from '../../shared/schemas';
import { inTransaction, json, num, optStr, str, type Row } from './rows';

export interface PromptContent {
  messages: Message[];
  variables: Variables;
  model?: PromptModel;
}

export interface PromptMeta {
  name: string;
  description: string;
  tags: string[];
}

/** Words of a search, each matched as a prefix, all required. */
export function ftsQuery(text: string): string | undefined {
  const words = text.match(/[\p{L}\p{N}_]+/gu);
  if (!words || words.length === 0) return undefined;
  return words.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' ');
}

function templateText(messages: readonly Message[]): string {
  return messages.map((m) => `${m.role}: ${m.content}`).join('\n');
}

/**
 * What makes a new version: the template always; the model too on an explicit save. Sample
 * values never do (they are test data, kept with the version that is made).
 */
export type VersionTrigger = 'template' | 'template-or-model';

function changed(a: PromptContent, b: PromptContent, trigger: VersionTrigger): boolean {
  if (JSON.stringify(a.messages) !== JSON.stringify(b.messages)) return true;
  return trigger === 'template-or-model' && JSON.stringify(a.model ?? null) !== JSON.stringify(b.model ?? null);
}

const SUMMARY_SQL = `
  SELECT p.*,
    (SELECT COUNT(*) FROM prompt_versions v WHERE v.prompt_id = p.id) AS version_count,
    (SELECT json_object('id', v.id, 'number', v.number, 'createdAt', v.created_at)
       FROM prompt_versions v WHERE v.prompt_id = p.id ORDER BY v.number DESC LIMIT 1) AS latest,
    (SELECT json_group_array(json_object('label', v.label, 'number', v.number))
       FROM prompt_versions v WHERE v.prompt_id = p.id AND v.label IS NOT NULL) AS labels
  FROM prompts p`;

/**
 * The version a cell's answer belongs to (SQL over `c` a cell and `r` its run): the version its
 * variant (column) ran, when the variant runs a saved version, else the run's own version (the
 * draft's). A run of a saved prompt with a variant running version 2 credits that variant's
 * answers to version 2, whatever was open in the editor.
 */
const CELL_VERSION = `COALESCE(json_extract(r.columns, '$[' || c.column_index || '].promptVersionId'), r.prompt_version_id)`;

/** Runs (`r`) any of whose cells belong to version `v`: by the run's own version (a variant runs the draft) or a variant's. */
const RUN_USES_VERSION = `(
  (r.prompt_version_id = v.id AND EXISTS (SELECT 1 FROM json_each(r.columns) j WHERE json_extract(j.value, '$.promptVersionId') IS NULL))
  OR EXISTS (SELECT 1 FROM json_each(r.columns) j WHERE json_extract(j.value, '$.promptVersionId') = v.id)
  OR (r.prompt_version_id = v.id AND json_array_length(r.columns) = 0))`;

/** Characters of an answer shown before and after the matched word in a search result. */
const EXCERPT_BEFORE = 40;
const EXCERPT_AFTER = 60;

export class Library {
  constructor(private readonly db: DatabaseSync) {}

  private summary(row: Row, match?: string): PromptSummary {
    const labels = json<{ label: string; number: number }[]>(row, 'labels').sort((a, b) => b.number - a.number);
    return {
      id: str(row, 'id'),
      name: str(row, 'name'),
      description: str(row, 'description'),
      tags: json<string[]>(row, 'tags'),
      createdAt: str(row, 'created_at'),
      updatedAt: str(row, 'updated_at'),
      versionCount: num(row, 'version_count'),
      latest: json<PromptSummary['latest']>(row, 'latest'),
      labels,
      ...(match !== undefined ? { match } : {}),
    };
  }

  /** Every prompt, most recently changed first; with a query, those that match it. */
  list(query = ''): PromptSummary[] {
    const fts = ftsQuery(query);
    if (!fts) {
      return (this.db.prepare(`${SUMMARY_SQL} ORDER BY p.updated_at DESC, p.name`).all() as Row[]).map((row) => this.summary(row));
    }
    const matches = new Map<string, string>();
    const inPrompts = this.db
      .prepare(
        `SELECT prompt_id, snippet(prompt_search, -1, '«', '»', '…', 10) AS excerpt
         FROM prompt_search WHERE prompt_search MATCH ? ORDER BY rank LIMIT 500`,
      )
      .all(fts) as Row[];
    for (const row of inPrompts) if (!matches.has(str(row, 'prompt_id'))) matches.set(str(row, 'prompt_id'), str(row, 'excerpt'));
    // FTS5's snippet() costs the square of the matches in a document (29 s for a word repeated
    // through a 1 MB answer), so answers are matched by the index and excerpted here (outputExcerpt).
    const inOutputs = this.db.prepare(`SELECT s.cell_id FROM output_search s WHERE output_search MATCH ? ORDER BY rank LIMIT 500`).all(fts) as Row[];
    // An answer belongs to the version its variant ran (CELL_VERSION), not to the run's draft.
    const versionOfCell = this.db.prepare(
      `SELECT v.prompt_id, v.number FROM cells c JOIN runs r ON r.id = c.run_id JOIN prompt_versions v ON v.id = ${CELL_VERSION} WHERE c.id = ?`,
    );
    for (const row of inOutputs) {
      const owner = versionOfCell.get(str(row, 'cell_id')) as Row | undefined;
      if (owner && !matches.has(str(owner, 'prompt_id'))) {
        matches.set(str(owner, 'prompt_id'), `output: ${this.outputExcerpt(str(row, 'cell_id'), query)} · version ${num(owner, 'number')}`);
      }
    }
    const one = this.db.prepare(`${SUMMARY_SQL} WHERE p.id = ?`);
    const found: PromptSummary[] = [];
    for (const [id, excerpt] of matches) {
      const row = one.get(id) as Row | undefined;
      if (row) found.push(this.summary(row, excerpt));
    }
    return found;
  }

  /**
   * About ten words of a cell's answer around the first place a word of the query appears (as
   * text, case aside), that word in «»; the answer's start when no word is found as written.
   * SQLite finds the place, so a 1 MB answer is never copied out whole.
   */
  private outputExcerpt(cellId: string, query: string): string {
    const words = (query.match(/[\p{L}\p{N}_]+/gu) ?? []).sort((a, b) => b.length - a.length);
    const locate = this.db.prepare(`SELECT instr(lower(output), lower(?)) AS at FROM cells WHERE id = ?`);
    let at = 0;
    let word = '';
    for (const candidate of words) {
      const row = locate.get(candidate, cellId) as Row | undefined;
      const found = row ? num(row, 'at') : 0;
      if (found > 0 && (at === 0 || found < at)) {
        at = found;
        word = candidate;
      }
    }
    const start = Math.max(1, at - EXCERPT_BEFORE);
    const row = this.db.prepare('SELECT substr(output, ?, ?) AS text, length(output) AS length FROM cells WHERE id = ?').get(start, EXCERPT_BEFORE + word.length + EXCERPT_AFTER, cellId) as Row | undefined;
    if (!row) return '';
    let text = str(row, 'text');
    if (at > 0) {
      const offset = at - start;
      text = `${text.slice(0, offset)}«${text.slice(offset, offset + word.length)}»${text.slice(offset + word.length)}`;
    }
    const flat = text.replace(/\s+/g, ' ').trim();
    return `${start > 1 ? '…' : ''}${flat}${start - 1 + EXCERPT_BEFORE + word.length + EXCERPT_AFTER < num(row, 'length') ? '…' : ''}`;
  }

  summaryOf(promptId: string): PromptSummary | undefined {
    const row = this.db.prepare(`${SUMMARY_SQL} WHERE p.id = ?`).get(promptId) as Row | undefined;
    return row ? this.summary(row) : undefined;
  }

  byName(name: string): PromptSummary | undefined {
    const row = this.db.prepare(`${SUMMARY_SQL} WHERE p.name = ? COLLATE NOCASE`).get(name.trim()) as Row | undefined;
    return row ? this.summary(row) : undefined;
  }

  /** The fields every view of a version shares. */
  private versionHead(row: Row): Pick<PromptVersion, 'id' | 'promptId' | 'number' | 'createdAt' | 'source' | 'label'> {
    const label = optStr(row, 'label');
    return {
      id: str(row, 'id'),
      promptId: str(row, 'prompt_id'),
      number: num(row, 'number'),
      createdAt: str(row, 'created_at'),
      source: str(row, 'source') as VersionSource,
      ...(label !== undefined ? { label } : {}),
    };
  }

  private toVersion(row: Row): PromptVersion {
    const model = optStr(row, 'model');
    return {
      ...this.versionHead(row),
      messages: json<Message[]>(row, 'messages'),
      variables: json<Variables>(row, 'variables'),
      ...(model !== undefined ? { model: JSON.parse(model) as PromptModel } : {}),
    };
  }

  version(versionId: string): PromptVersion | undefined {
    const row = this.db.prepare('SELECT * FROM prompt_versions WHERE id = ?').get(versionId) as Row | undefined;
    return row ? this.toVersion(row) : undefined;
  }

  latest(promptId: string): PromptVersion | undefined {
    const row = this.db.prepare('SELECT * FROM prompt_versions WHERE prompt_id = ? ORDER BY number DESC LIMIT 1').get(promptId) as Row | undefined;
    return row ? this.toVersion(row) : undefined;
  }

  /** A version by number, label, or `latest` (for the CLI and exports). */
  resolveVersion(promptId: string, ref = 'latest'): PromptVersion | undefined {
    if (ref === 'latest') return this.latest(promptId);
    const row = (
      /^\d+$/.test(ref)
        ? this.db.prepare('SELECT * FROM prompt_versions WHERE prompt_id = ? AND number = ?').get(promptId, Number(ref))
        : this.db.prepare('SELECT * FROM prompt_versions WHERE prompt_id = ? AND label = ?').get(promptId, ref)
    ) as Row | undefined;
    return row ? this.toVersion(row) : undefined;
  }

  versions(promptId: string): VersionSummary[] {
    const rows = this.db
      .prepare(
        `SELECT v.id, v.prompt_id, v.number, v.created_at, v.source, v.label, json_extract(v.model, '$.name') AS model_name,
           (SELECT json_group_array(json_object(
               'runId', r.id, 'createdAt', r.created_at, 'status', r.status,
               'cellCount', (SELECT COUNT(*) FROM cells c WHERE c.run_id = r.id AND ${CELL_VERSION} = v.id),
               'errorCount', (SELECT COUNT(*) FROM cells c WHERE c.run_id = r.id AND ${CELL_VERSION} = v.id AND c.status = 'error'),
               'meanTotalMs', (SELECT AVG(c.total_ms) FROM cells c WHERE c.run_id = r.id AND ${CELL_VERSION} = v.id AND c.status = 'done')))
            FROM runs r WHERE ${RUN_USES_VERSION}) AS runs
         FROM prompt_versions v WHERE v.prompt_id = ? ORDER BY v.number DESC`,
      )
      .all(promptId) as Row[];
    return rows.map((row) => {
      const modelName = optStr(row, 'model_name');
      const runs = json<(Omit<VersionRun, 'meanTotalMs'> & { meanTotalMs: number | null; status: RunStatus })[]>(row, 'runs')
        .map(({ meanTotalMs, ...run }) => (meanTotalMs === null ? run : { ...run, meanTotalMs }))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      return {
        ...this.versionHead(row),
        ...(modelName !== undefined ? { modelName } : {}),
        runs,
      };
    });
  }

  /** Creates a prompt with its first version. Names are unique, ignoring case. */
  create(meta: PromptMeta, content: PromptContent, source: VersionSource): { prompt: PromptSummary; version: PromptVersion } {
    if (this.byName(meta.name)) throw new AppError('bad_input', `A prompt named "${meta.name.trim()}" already exists. Choose another name, or open it and save a new version.`);
    const id = randomUUID();
    const now = new Date().toISOString();
    return inTransaction(this.db, () => {
      this.db
        .prepare('INSERT INTO prompts (id, name, description, tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, meta.name.trim(), meta.description, JSON.stringify(meta.tags), now, now);
      const version = this.insertVersion(id, meta, content, source, now);
      const prompt = this.summaryOf(id);
      if (!prompt) throw new AppError('internal', 'The prompt was not saved.');
      return { prompt, version };
    });
  }

  /**
   * Saves metadata and, when the template (or, with `template-or-model`, the model) differs
   * from the latest version, a new version. Returns the version that now holds the content
   * and whether it is new. Nothing is touched when nothing changed.
   */
  save(
    promptId: string,
    meta: PromptMeta,
    content: PromptContent,
    source: VersionSource,
    trigger: VersionTrigger = 'template-or-model',
  ): { prompt: PromptSummary; version: PromptVersion; created: boolean } {
    const existing = this.summaryOf(promptId);
    if (!existing) throw new AppError('not_found', 'That prompt is no longer in the library. Save it under a name to add it again.');
    const clash = this.byName(meta.name);
    if (clash && clash.id !== promptId) throw new AppError('bad_input', `A prompt named "${meta.name.trim()}" already exists.`);
    const now = new Date().toISOString();
    return inTransaction(this.db, () => {
      const metaChanged =
        existing.name !== meta.name.trim() || existing.description !== meta.description || JSON.stringify(existing.tags) !== JSON.stringify(meta.tags);
      const latest = this.latest(promptId);
      const created = !latest || changed(latest, content, trigger);
      if (metaChanged || created) {
        this.db.prepare('UPDATE prompts SET name = ?, description = ?, tags = ?, updated_at = ? WHERE id = ?').run(meta.name.trim(), meta.description, JSON.stringify(meta.tags), now, promptId);
      }
      if (metaChanged) {
        this.db.prepare('UPDATE prompt_search SET name = ?, description = ?, tags = ? WHERE prompt_id = ?').run(meta.name.trim(), meta.description, meta.tags.join(' '), promptId);
      }
      const version = created || !latest ? this.insertVersion(promptId, meta, content, source, now) : latest;
      const prompt = this.summaryOf(promptId);
      if (!prompt) throw new AppError('internal', 'The prompt was not saved.');
      return { prompt, version, created };
    });
  }

  /** The version a run belongs to: the latest if the template is unchanged, else a new one. */
  versionForRun(promptId: string, content: PromptContent): PromptVersion | undefined {
    const prompt = this.summaryOf(promptId);
    if (!prompt) return undefined;
    return this.save(promptId, { name: prompt.name, description: prompt.description, tags: prompt.tags }, content, 'run', 'template').version;
  }

  private insertVersion(promptId: string, meta: PromptMeta, content: PromptContent, source: VersionSource, now: string): PromptVersion {
    const next = this.db.prepare('SELECT COALESCE(MAX(number), 0) + 1 AS n FROM prompt_versions WHERE prompt_id = ?').get(promptId) as Row;
    const id = randomUUID();
    this.db
      .prepare('INSERT INTO prompt_versions (id, prompt_id, number, created_at, source, messages, variables, model) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, promptId, num(next, 'n'), now, source, JSON.stringify(content.messages), JSON.stringify(content.variables), content.model ? JSON.stringify(content.model) : null);
    this.db
      .prepare('INSERT INTO prompt_search (prompt_id, name, description, tags, template) VALUES (?, ?, ?, ?, ?)')
      .run(promptId, meta.name.trim(), meta.description, meta.tags.join(' '), templateText(content.messages));
    const version = this.version(id);
    if (!version) throw new AppError('internal', 'The version was not saved.');
    return version;
  }

  /** Puts a label on a version; a label names one version of a prompt, so it moves. */
  setLabel(versionId: string, label: string | undefined): PromptVersion {
    const version = this.version(versionId);
    if (!version) throw new AppError('not_found', 'That version no longer exists.');
    inTransaction(this.db, () => {
      if (label !== undefined) this.db.prepare('UPDATE prompt_versions SET label = NULL WHERE prompt_id = ? AND label = ?').run(version.promptId, label);
      this.db.prepare('UPDATE prompt_versions SET label = ? WHERE id = ?').run(label ?? null, versionId);
      this.db.prepare('UPDATE prompts SET updated_at = ? WHERE id = ?').run(new Date().toISOString(), version.promptId);
    });
    const updated = this.version(versionId);
    if (!updated) throw new AppError('internal', 'The label was not saved.');
    return updated;
  }

  remove(promptId: string): boolean {
    return inTransaction(this.db, () => {
      this.db.prepare('DELETE FROM prompt_search WHERE prompt_id = ?').run(promptId);
      return Number(this.db.prepare('DELETE FROM prompts WHERE id = ?').run(promptId).changes) > 0;
    });
  }
}
