/**
 * promptfoo's reading of a contains-any / contains-all value written as one string:
 * comma-separated, each item trimmed, empty items dropped, and an item in double quotes may
 * hold commas ("a, b", c). Inside quotes, \" or "" is a quote and \\ a backslash.
 */
export function parseCommaList(value: string): { ok: true; items: string[] } | { ok: false; error: string } {
  const items: string[] = [];
  let i = 0;
  const skip = (pattern: RegExp) => {
    while (i < value.length && pattern.test(value[i] ?? '')) i++;
  };
  while (i < value.length) {
    skip(/[\s,]/);
    if (i >= value.length) break;
    if (value[i] === '"') {
      let item = '';
      let closed = false;
      i++;
      while (i < value.length) {
        const c = value[i];
        const next = value[i + 1];
        if (c === '\\' && (next === '"' || next === '\\')) {
          item += next;
          i += 2;
        } else if (c === '"' && next === '"') {
          item += '"';
          i += 2;
        } else if (c === '"') {
          i++;
          closed = true;
          break;
        } else {
          item += c;
          i++;
        }
      }
      if (!closed) return { ok: false, error: 'a quoted item is never closed' };
      skip(/\s/);
      if (i < value.length && value[i] !== ',') return { ok: false, error: 'expected a comma after a quoted item' };
      items.push(item);
    } else {
      const start = i;
      while (i < value.length && value[i] !== ',') i++;
      items.push(value.slice(start, i).trim());
    }
  }
  return { ok: true, items };
}
