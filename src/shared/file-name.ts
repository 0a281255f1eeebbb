/**
 * A file name that came from elsewhere (the renderer, a prompt's name, an imported file) made
 * safe to suggest in a save dialog or a download: only a base name, never a path. No folder
 * part and no `..`, no control characters (NUL included) or invisible direction marks, none of
 * the characters Windows forbids, no leading dots (hidden files), no trailing dots or spaces,
 * not one of the names Windows reserves for devices (CON, NUL, COM1, ...), and at most
 * MAX_FILE_NAME_BYTES of UTF-8 with the extension kept. When nothing usable is left, the
 * fallback.
 */

/** Well under the 255 bytes that ext4, APFS and NTFS allow, leaving room for " (2)" and the like. */
export const MAX_FILE_NAME_BYTES = 200;

export const DEFAULT_FILE_NAME = 'parallax-export.txt';

// C0 and C1 controls, DEL, and the zero-width and bidirectional marks that can make
// "evil\u202Etxt.exe" look like "evilexe.txt".
// eslint-disable-next-line no-control-regex -- taking control characters out is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/gu;
// Windows forbids these in a name (and ':' is a folder separator in some macOS views).
const FORBIDDEN = /[<>:"|?*]/gu;
// Device names, alone or with any extension, in any case; Windows also counts the superscript digits.
const RESERVED = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(?:\..*)?$/iu;

const encoder = new TextEncoder();

function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/** The longest start of `text`, in whole characters, that fits in `bytes` of UTF-8. */
function cutToBytes(text: string, bytes: number): string {
  let out = '';
  let used = 0;
  for (const char of text) {
    const size = byteLength(char);
    if (used + size > bytes) break;
    out += char;
    used += size;
  }
  return out;
}

function trimEdges(text: string): string {
  return text.replace(/^[\s.]+/u, '').replace(/[\s.]+$/u, '');
}

export function safeFileName(name: unknown, fallback: string = DEFAULT_FILE_NAME): string {
  if (typeof name !== 'string') return fallback;
  // Last path segment only, with either separator: "../../x" and "C:\\a\\x" both give "x".
  const base = name.replace(INVISIBLE, '').split(/[/\\]/u).pop() ?? '';
  let clean = trimEdges(base.replace(FORBIDDEN, '_').replace(/\s+/gu, ' '));
  if (clean === '') return fallback;
  if (RESERVED.test(clean)) clean = `_${clean}`;
  if (byteLength(clean) > MAX_FILE_NAME_BYTES) {
    const dot = clean.lastIndexOf('.');
    const ext = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : '';
    const stem = trimEdges(cutToBytes(clean.slice(0, clean.length - ext.length), MAX_FILE_NAME_BYTES - byteLength(ext)));
    clean = stem === '' ? fallback : `${stem}${ext}`;
  }
  return clean;
}
