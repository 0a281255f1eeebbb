/** Reading typed values out of node:sqlite rows, and running work in a transaction. */
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';

export type Row = Record<string, SQLInputValue>;

export function str(row: Row, key: string): string {
  const value = row[key];
  return typeof value === 'string' ? value : String(value ?? '');
}
export function optStr(row: Row, key: string): string | undefined {
  const value = row[key];
  return typeof value === 'string' ? value : undefined;
}
export function optNum(row: Row, key: string): number | undefined {
  const value = row[key];
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}
export function num(row: Row, key: string): number {
  return optNum(row, key) ?? 0;
}
export function json<T>(row: Row, key: string): T {
  return JSON.parse(str(row, key)) as T;
}

export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
