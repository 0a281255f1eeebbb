/**
 * A reader for the `text/event-stream` format, fed text as it arrives over fetch (browser
 * mode reads its event stream with fetch so the token travels in a header, which EventSource
 * cannot send). Only `data:` fields matter here; comments, `event:`, `id:` and `retry:` are
 * skipped. Lines may end in \n, \r\n or \r, and a chunk may stop anywhere.
 */

/** A single event's data larger than this is dropped, so a broken stream cannot grow a buffer forever. */
export const MAX_EVENT_CHARS = 16 * 1024 * 1024;

export interface SseReader {
  push(text: string): void;
}

export function createSseReader(onData: (data: string) => void, maxEventChars = MAX_EVENT_CHARS): SseReader {
  let pending = '';
  let data: string[] = [];
  let size = 0;
  let overflow = false;
  let skipLeadingLf = false;

  const line = (text: string): void => {
    if (text === '') {
      if (data.length > 0 && !overflow) onData(data.join('\n'));
      data = [];
      size = 0;
      overflow = false;
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    if (field !== 'data') return;
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    size += value.length + 1;
    if (size > maxEventChars) {
      overflow = true;
      data = [];
      return;
    }
    if (!overflow) data.push(value);
  };

  return {
    push(text: string) {
      let chunk = text;
      if (skipLeadingLf && chunk.startsWith('\n')) chunk = chunk.slice(1);
      skipLeadingLf = false;
      pending += chunk;
      let start = 0;
      for (let i = 0; i < pending.length; i += 1) {
        const c = pending.charCodeAt(i);
        if (c !== 0x0a && c !== 0x0d) continue;
        line(pending.slice(start, i));
        if (c === 0x0d) {
          if (i + 1 === pending.length) skipLeadingLf = true;
          else if (pending.charCodeAt(i + 1) === 0x0a) i += 1;
        }
        start = i + 1;
      }
      pending = pending.slice(start);
      // An endless line with no break: keep its tail bounded, it can only be dropped.
      if (pending.length > maxEventChars) {
        pending = '';
        overflow = true;
      }
    },
  };
}
