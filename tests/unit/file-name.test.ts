import { describe, expect, it } from 'vitest';
import { DEFAULT_FILE_NAME, MAX_FILE_NAME_BYTES, safeFileName } from '../../src/shared/file-name';

const bytes = (text: string): number => new TextEncoder().encode(text).length;

describe('safeFileName', () => {
  it('keeps an ordinary name as it is', () => {
    expect(safeFileName('parallax-run-2025-01-02-10-11-12.csv')).toBe('parallax-run-2025-01-02-10-11-12.csv');
    expect(safeFileName('Résumé prompt v2.prompty')).toBe('Résumé prompt v2.prompty');
  });

  it('keeps only the base name: no folder, no way up', () => {
    expect(safeFileName('../../../etc/passwd')).toBe('passwd');
    expect(safeFileName('/home/someone/.ssh/authorized_keys')).toBe('authorized_keys');
    expect(safeFileName('..\\..\\Windows\\System32\\evil.dll')).toBe('evil.dll');
    expect(safeFileName('C:\\Users\\x\\Startup\\run.bat')).toBe('run.bat');
    expect(safeFileName('\\\\server\\share\\x.txt')).toBe('x.txt');
    expect(safeFileName('..')).toBe(DEFAULT_FILE_NAME);
    expect(safeFileName('a/..')).toBe(DEFAULT_FILE_NAME);
    expect(safeFileName('dir/')).toBe(DEFAULT_FILE_NAME);
  });

  it('drops control characters, NUL and invisible direction marks', () => {
    expect(safeFileName('report\u0000.csv')).toBe('report.csv');
    expect(safeFileName('a\nb\rc\td.csv')).toBe('abcd.csv');
    expect(safeFileName('invoice\u202Etxt.exe')).toBe('invoicetxt.exe');
    expect(safeFileName('zero\u200Bwidth.txt')).toBe('zerowidth.txt');
    expect(safeFileName('\u0000\u0001')).toBe(DEFAULT_FILE_NAME);
  });

  it('replaces the characters Windows forbids and trims dots and spaces at the edges', () => {
    expect(safeFileName('what? <a|b> "c":d*.csv')).toBe('what_ _a_b_ _c__d_.csv');
    expect(safeFileName('  .hidden  ')).toBe('hidden');
    expect(safeFileName('name. . ')).toBe('name');
    expect(safeFileName('   ')).toBe(DEFAULT_FILE_NAME);
  });

  it("renames Windows' reserved device names, with or without an extension", () => {
    for (const name of ['CON', 'con.txt', 'Nul', 'aux.csv', 'COM1', 'lpt9.json', 'PRN.tar.gz', 'COM¹']) {
      expect(safeFileName(name)).toBe(`_${name}`);
    }
    expect(safeFileName('console.txt')).toBe('console.txt');
    expect(safeFileName('com10.txt')).toBe('com10.txt');
  });

  it('caps the length in UTF-8 bytes and keeps the extension', () => {
    const long = safeFileName(`${'a'.repeat(500)}.csv`);
    expect(bytes(long)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(long.endsWith('.csv')).toBe(true);
    const wide = safeFileName(`${'日本'.repeat(200)}.json`);
    expect(bytes(wide)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(wide.endsWith('.json')).toBe(true);
    // Whole characters only: no broken surrogate pair at the cut.
    const emoji = safeFileName('😀'.repeat(100));
    expect(bytes(emoji)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(emoji).toBe('😀'.repeat(MAX_FILE_NAME_BYTES / 4));
  });

  it('falls back for anything that is not a usable name', () => {
    expect(safeFileName('')).toBe(DEFAULT_FILE_NAME);
    expect(safeFileName(undefined)).toBe(DEFAULT_FILE_NAME);
    expect(safeFileName(42, 'fallback.csv')).toBe('fallback.csv');
  });
});
