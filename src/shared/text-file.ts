/**
 * Reading a file someone gave us as text: prompts, test-case tables, configs.
 *
 * UTF-8 is what Parallax writes and expects. A file that is not valid UTF-8 is most often a
 * table saved by a spreadsheet in the West's old default (Latin-1, which Windows and the WHATWG
 * Encoding Standard read as windows-1252), so such a file is read as windows-1252, and the
 * caller says so, naming the line of the first byte that is not UTF-8. (Every byte is a
 * character in windows-1252, so this never fails; it is wrong only for other legacy encodings,
 * which the note invites the person to check.) A UTF-16 file with its byte-order mark, as Excel's
 * "Unicode text" writes, is read as UTF-16. A file with NUL bytes, or whose text would be mostly
 * control characters, is not text (an image, a spreadsheet, an archive) and is refused.
 *
 * Detection is `TextDecoder` with `fatal: true`: exact for UTF-8 (a Latin-1 file with any
 * accented letter fails it at once) and built into Node and browsers, so no library is needed.
 */

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export type DecodedText =
  | { ok: true; text: string; encoding: TextEncodingName; /** Set when the file was not UTF-8: a sentence saying how it was read. */ note?: string }
  | { ok: false; reason: string };

const BINARY_REASON = 'it is not a text file (it holds NUL bytes or mostly control characters: an image, a spreadsheet, an archive?)';

/** Control characters that text files do not hold (tab, line feed, form feed and CR are fine), and U+FFFD. */
// eslint-disable-next-line no-control-regex
const ODD_CHARACTERS = /[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f\ufffd]/g;

/**
 * Why already-decoded text is not text, or undefined when it is: a NUL character anywhere, or
 * more than 1% (and at least 3) control characters and replacement characters (what a binary
 * file becomes when a browser reads it as UTF-8).
 */
export function binaryTextReason(text: string): string | undefined {
  if (text.includes('\u0000')) return BINARY_REASON;
  const sample = text.length > 1_000_000 ? text.slice(0, 1_000_000) : text;
  const odd = sample.match(ODD_CHARACTERS)?.length ?? 0;
  return odd >= 3 && odd > sample.length / 100 ? BINARY_REASON : undefined;
}

/** The 1-based line of a byte offset (counting line feeds before it). */
function lineOf(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) if (bytes[i] === 10) line++;
  return line;
}

/** Where UTF-8 decoding first fails: the offset of the first byte that does not belong. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}

/** Decodes a file's bytes as described above. */
export function decodeTextFile(bytes: Uint8Array): DecodedText {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return fromUtf16(bytes.subarray(2), 'utf-16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return fromUtf16(bytes.subarray(2), 'utf-16be');
  if (bytes.includes(0)) return { ok: false, reason: BINARY_REASON };
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
    return binaryTextReason(text) ? { ok: false, reason: BINARY_REASON } : { ok: true, text, encoding: 'utf-8' };
  } catch {
    const text = new TextDecoder('windows-1252').decode(body);
    if (binaryTextReason(text)) return { ok: false, reason: BINARY_REASON };
    const line = lineOf(body, firstInvalidUtf8(body));
    return {
      ok: true,
      text,
      encoding: 'windows-1252',
      note: `it is not UTF-8 (line ${line} has a byte UTF-8 does not allow), so it was read as Latin-1 (windows-1252); if letters look wrong, save it as UTF-8`,
    };
  }
}

function fromUtf16(body: Uint8Array, encoding: 'utf-16le' | 'utf-16be'): DecodedText {
  try {
    const text = new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(body);
    return binaryTextReason(text) ? { ok: false, reason: BINARY_REASON } : { ok: true, text, encoding };
  } catch {
    return { ok: false, reason: `it starts as ${encoding.toUpperCase()} text (a byte-order mark) but is not valid ${encoding.toUpperCase()}` };
  }
}
