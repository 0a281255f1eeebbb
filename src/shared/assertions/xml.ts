/**
 * promptfoo's is-xml and contains-xml (src/assertions/xml.ts in promptfoo 0.121.20), ported
 * line for line so the same answers pass: saxes decides well-formedness for is-xml (a DOCTYPE
 * with an internal subset is refused, so no entity is ever declared, let alone expanded),
 * fast-xml-parser reads the document for `requiredElements` paths, and contains-xml looks for
 * balanced tag runs in the answer with promptfoo's scanner and parses each one.
 *
 * Hostile answers: saxes and the scanners are loops, not recursion; fast-xml-parser refuses more
 * than 100 nested tags ("Maximum nested tags exceeded", its default, which promptfoo keeps) and
 * caps entity expansion, so a 10,000-deep answer or an entity bomb fails with a reason.
 */
import { XMLParser } from 'fast-xml-parser';
import { SaxesParser } from 'saxes';

interface XmlOutcome {
  isValid: boolean;
  reason: string;
  isWellFormed?: boolean;
}

interface OpenTag {
  name: string;
  start: number;
}

interface Candidate {
  start: number;
  end: number;
  parentStart: number | undefined;
}

type Tag = { kind: 'declaration'; start: number; end: number } | { kind: 'closing'; start: number; end: number; name: string } | { kind: 'opening'; start: number; end: number; name: string; selfClosing: boolean };

function lastOpenTag(stack: readonly OpenTag[]): OpenTag | undefined {
  return stack.length > 0 ? stack[stack.length - 1] : undefined;
}

function codePointLength(codePoint: number): number {
  return codePoint > 0xffff ? 2 : 1;
}

function isNameStart(c: number | undefined): c is number {
  return (
    c !== undefined &&
    (c === 58 ||
      c === 95 ||
      (c >= 65 && c <= 90) ||
      (c >= 97 && c <= 122) ||
      (c >= 192 && c <= 214) ||
      (c >= 216 && c <= 246) ||
      (c >= 248 && c <= 767) ||
      (c >= 880 && c <= 893) ||
      (c >= 895 && c <= 8191) ||
      (c >= 8204 && c <= 8205) ||
      (c >= 8304 && c <= 8591) ||
      (c >= 11264 && c <= 12271) ||
      (c >= 12289 && c <= 55295) ||
      (c >= 63744 && c <= 64975) ||
      (c >= 65008 && c <= 65533) ||
      (c >= 65536 && c <= 983039))
  );
}

function isNameChar(c: number | undefined): c is number {
  return isNameStart(c) || c === 45 || c === 46 || (c !== undefined && c >= 48 && c <= 57) || c === 183 || (c !== undefined && c >= 768 && c <= 879) || (c !== undefined && c >= 8255 && c <= 8256);
}

function readXmlName(input: string, start: number): { name: string; end: number } | undefined {
  const first = input.codePointAt(start);
  if (!isNameStart(first)) return undefined;
  let end = start + codePointLength(first);
  for (let c = input.codePointAt(end); isNameChar(c); c = input.codePointAt(end)) end += codePointLength(c);
  return { name: input.slice(start, end), end };
}

function hasDoctypeInternalSubset(doctype: string): boolean {
  let quote: string | undefined;
  for (const char of doctype) {
    if (quote) {
      if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'") quote = char;
    else if (char === '[') return true;
  }
  return false;
}

const isXmlWhitespace = (char: string | undefined) => char === ' ' || char === '\t' || char === '\r' || char === '\n';

function skipXmlWhitespace(input: string, start: number): number {
  let index = start;
  while (isXmlWhitespace(input[index])) index++;
  return index;
}

function readQuotedLiteral(input: string, start: number): { value: string; end: number } | undefined {
  const quote = input[start];
  if (quote !== '"' && quote !== "'") return undefined;
  const closing = input.indexOf(quote, start + 1);
  if (closing === -1) return undefined;
  return { value: input.slice(start + 1, closing), end: closing + 1 };
}

const isValidPublicId = (value: string) => /^[\x20\r\na-zA-Z0-9'()+,./:=?;!*#@$_%-]*$/.test(value);

/** An external DTD is never fetched: references to entities it might declare stay as written, as in promptfoo. */
function preserveExternalEntityReferences(parser: SaxesParser): void {
  const entities = parser.ENTITIES;
  parser.ENTITIES = new Proxy(entities, {
    get(target, property, receiver) {
      if (typeof property === 'string' && readXmlName(property, 0)?.end === property.length && !Reflect.has(target, property)) return `&${property};`;
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

function hasValidSystemLiteral(input: string, start: number): boolean {
  const literalStart = skipXmlWhitespace(input, start);
  if (literalStart === start) return false;
  const literal = readQuotedLiteral(input, literalStart);
  return Boolean(literal && !literal.value.includes('#') && skipXmlWhitespace(input, literal.end) === input.length);
}

function isWellFormedDoctype(doctype: string): boolean {
  let index = skipXmlWhitespace(doctype, 0);
  if (index === 0) return false;
  const name = readXmlName(doctype, index);
  if (!name) return false;
  index = name.end;
  const externalIdStart = skipXmlWhitespace(doctype, index);
  if (externalIdStart === doctype.length) return true;
  if (externalIdStart === index) return false;
  index = externalIdStart;
  if (doctype.startsWith('SYSTEM', index)) return hasValidSystemLiteral(doctype, index + 6);
  if (doctype.startsWith('PUBLIC', index)) {
    index += 6;
    const publicStart = skipXmlWhitespace(doctype, index);
    if (publicStart === index) return false;
    const publicLiteral = readQuotedLiteral(doctype, publicStart);
    if (!publicLiteral || !isValidPublicId(publicLiteral.value)) return false;
    return hasValidSystemLiteral(doctype, publicLiteral.end);
  }
  return false;
}

function hasDoctypeExternalSubset(doctype: string): boolean {
  const name = readXmlName(doctype, skipXmlWhitespace(doctype, 0));
  if (!name) return false;
  const externalIdStart = skipXmlWhitespace(doctype, name.end);
  return doctype.startsWith('SYSTEM', externalIdStart) || doctype.startsWith('PUBLIC', externalIdStart);
}

function findTagEnd(input: string, start: number): number {
  let quote: string | undefined;
  for (let i = start + 1; i < input.length; i++) {
    const char = input[i];
    if (quote) {
      if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'") quote = char;
    else if (char === '<') return -1;
    else if (char === '>') return i;
  }
  return -1;
}

function findDelimitedDeclarationEnd(input: string, start: number, delimiter: string): number {
  const found = input.indexOf(delimiter, start);
  return found === -1 ? input.length - 1 : found + delimiter.length - 1;
}

function findDeclarationEnd(input: string, start: number): number {
  if (input.startsWith('<!--', start)) return findDelimitedDeclarationEnd(input, start + 4, '-->');
  if (input.startsWith('<![CDATA[', start)) return findDelimitedDeclarationEnd(input, start + 9, ']]>');
  let quote: string | undefined;
  let bracketDepth = 0;
  for (let i = start + 2; i < input.length; i++) {
    const char = input[i];
    if (quote) {
      if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'") quote = char;
    else if (char === '[') bracketDepth++;
    else if (char === ']' && bracketDepth > 0) bracketDepth--;
    else if (char === '>' && bracketDepth === 0) return i;
  }
  return input.length - 1;
}

function isSelfClosingTag(input: string, start: number, end: number): boolean {
  let last = end - 1;
  while (last > start && /\s/.test(input[last] ?? '')) last--;
  return input[last] === '/';
}

function readXmlTag(input: string, start: number): Tag | undefined {
  const next = input[start + 1];
  if (next === undefined) return undefined;
  if (next === '!') return { kind: 'declaration', start, end: findDeclarationEnd(input, start) };
  if (next === '?') return { kind: 'declaration', start, end: findDelimitedDeclarationEnd(input, start + 2, '?>') };
  if (next === '/') {
    const name = readXmlName(input, start + 2);
    if (!name) return undefined;
    const end = findTagEnd(input, start);
    return end === -1 ? undefined : { kind: 'closing', start, end, name: name.name };
  }
  const name = readXmlName(input, start + 1);
  if (!name) return undefined;
  const end = findTagEnd(input, start);
  if (end === -1) return undefined;
  return { kind: 'opening', start, end, name: name.name, selfClosing: isSelfClosingTag(input, start, end) };
}

/** Sibling runs first (all of a parent-less run as one piece), then the outermost elements, in order. */
function orderXmlCandidates(candidates: readonly Candidate[]): Candidate[] {
  const ordered: Candidate[] = [];
  const seen = new Set<string>();
  const byParent = new Map<number | undefined, Candidate[]>();
  const starts = new Set(candidates.map((c) => c.start));
  const add = (candidate: Candidate) => {
    const key = `${candidate.start}:${candidate.end}`;
    if (!seen.has(key)) {
      seen.add(key);
      ordered.push(candidate);
    }
  };
  for (const candidate of candidates) {
    const siblings = byParent.get(candidate.parentStart);
    if (siblings) siblings.push(candidate);
    else byParent.set(candidate.parentStart, [candidate]);
  }
  for (const [parentStart, siblings] of byParent.entries()) {
    if (siblings.length <= 1 || (parentStart !== undefined && starts.has(parentStart))) continue;
    siblings.sort((a, b) => a.start - b.start || a.end - b.end);
    const first = siblings[0];
    const last = siblings[siblings.length - 1];
    if (first && last) add({ start: first.start, end: last.end, parentStart });
  }
  const maximal = candidates.filter((c) => c.parentStart === undefined || !starts.has(c.parentStart)).sort((a, b) => a.start - b.start || b.end - a.end);
  for (const candidate of maximal) add(candidate);
  return ordered;
}

function extractXmlCandidates(output: string): Candidate[] {
  const stack: OpenTag[] = [];
  const candidates: Candidate[] = [];
  for (let i = 0; i < output.length; i++) {
    if (output[i] !== '<') continue;
    const tag = readXmlTag(output, i);
    if (!tag) continue;
    if (tag.kind === 'opening') {
      if (tag.selfClosing) candidates.push({ start: tag.start, end: tag.end + 1, parentStart: lastOpenTag(stack)?.start });
      else stack.push({ name: tag.name, start: tag.start });
    } else if (tag.kind === 'closing') {
      const open = lastOpenTag(stack);
      if (open?.name === tag.name) {
        stack.pop();
        candidates.push({ start: open.start, end: tag.end + 1, parentStart: lastOpenTag(stack)?.start });
      } else stack.length = 0;
    }
    i = tag.end;
  }
  return orderXmlCandidates(candidates);
}

function hasElementPath(value: unknown, path: readonly string[]): boolean {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return false;
    if (Array.isArray(current)) {
      const index = Number(key);
      if (!Number.isInteger(index) || index < 0 || String(index) !== key) return false;
      if (current[index] === undefined) return false;
      current = current[index] as unknown;
      continue;
    }
    const record = current as Record<string, unknown>;
    if (record[key] === undefined) return false;
    current = record[key];
  }
  return true;
}

function missingElements(parsed: unknown, required: readonly string[] | undefined): string[] {
  if (!required || required.length === 0) return [];
  return required.filter((element) => !hasElementPath(parsed, element.split('.')));
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

function validateXmlCandidate(xml: string, required: readonly string[] | undefined): XmlOutcome {
  const parser = new XMLParser({ allowBooleanAttributes: true, ignoreAttributes: false, parseAttributeValue: true, parseTagValue: true });
  try {
    const missing = missingElements(parser.parse(xml), required);
    if (missing.length > 0) return { isValid: false, reason: `XML is missing required elements: ${missing.join(', ')}`, isWellFormed: true };
    return { isValid: true, reason: 'XML is valid and contains all required elements', isWellFormed: true };
  } catch (error) {
    return { isValid: false, reason: `XML parsing failed: ${errorMessage(error)}`, isWellFormed: false };
  }
}

/** is-xml: the whole answer is one well-formed document (saxes), holding every required path. */
export function validateXml(xml: string, required: readonly string[] | undefined): XmlOutcome {
  let unsupported: string | undefined;
  let doctypeError: string | undefined;
  let standalone = false;
  try {
    const parser = new SaxesParser({ xmlns: true });
    parser.on('xmldecl', (declaration) => {
      standalone = declaration.standalone === 'yes';
    });
    parser.on('doctype', (doctype) => {
      if (hasDoctypeInternalSubset(doctype)) {
        unsupported = 'DTD internal subsets are not supported by is-xml validation';
        throw new Error(unsupported);
      }
      if (!isWellFormedDoctype(doctype)) {
        doctypeError = 'Malformed DOCTYPE declaration';
        throw new Error(doctypeError);
      }
      if (hasDoctypeExternalSubset(doctype) && !standalone) preserveExternalEntityReferences(parser);
    });
    parser.write(xml).close();
  } catch (error) {
    if (unsupported) return { isValid: false, reason: unsupported };
    return { isValid: false, reason: `XML parsing failed: ${doctypeError ?? errorMessage(error)}` };
  }
  const result = validateXmlCandidate(xml, required);
  return { isValid: result.isValid, reason: result.reason };
}

/** contains-xml: some balanced run of tags in the answer parses and holds every required path. */
export function containsXml(output: string, required: readonly string[] | undefined): XmlOutcome {
  const candidates = extractXmlCandidates(output);
  if (candidates.length === 0) return { isValid: false, reason: 'No XML content found in the output' };
  const wellFormed: Candidate[] = [];
  for (const candidate of candidates) {
    if (wellFormed.some((c) => candidate.start >= c.start && candidate.end <= c.end)) continue;
    const { isValid, isWellFormed, reason } = validateXmlCandidate(output.slice(candidate.start, candidate.end), required);
    if (isValid) return { isValid: true, reason };
    if (isWellFormed) wellFormed.push(candidate);
  }
  return { isValid: false, reason: 'No valid XML content found matching the requirements' };
}

/**
 * The required element paths from a check's value, as promptfoo reads them: a comma-separated
 * string, a list, or `{ requiredElements: [...] }`; nothing (or an empty list or object) requires
 * none. Any other object is an error.
 */
export function requiredXmlElements(value: unknown): { ok: true; elements: string[] | undefined } | { ok: false; error: string } {
  if (typeof value === 'string') return { ok: true, elements: value.split(',').map((e) => e.trim()) };
  if (Array.isArray(value)) return { ok: true, elements: value.length > 0 ? value.map(String) : undefined };
  if (value !== null && typeof value === 'object' && Object.keys(value).length > 0) {
    const listed = (value as Record<string, unknown>)['requiredElements'];
    if (Array.isArray(listed)) return { ok: true, elements: listed.map(String) };
    return { ok: false, error: 'xml assertion must contain a string, array value, or no value' };
  }
  return { ok: true, elements: undefined };
}
