// A linear pre-scan of a JSON message before JSON.parse: it bounds nesting depth and number length
// (without recursion) and records the exact text of each request's numeric "id", so that the
// answer echoes the id as sent (7002.0 stays 7002.0, a 30-digit id keeps its digits). Strings are
// skipped with indexOf, so a 1 MB hex string costs one search, not a million character tests.
// It also finds the bare NaN, Infinity and -Infinity that Python's json (so ElectrumX) accepts and
// JSON.parse does not, so that they reach the validators as numbers ("inf should be ...").

export const MAX_DEPTH = 64;
export const MAX_NUMBER_LENGTH = 64;

export interface ScanResult {
  /** Why the text cannot be a valid message, or null. */
  readonly problem: string | null;
  /**
   * The raw text of numeric ids: key 0 for a lone request object, or the element index for the
   * objects of a top-level array.
   */
  readonly numericIds: Map<number, string>;
  /** Where the text has NaN, Infinity or -Infinity outside strings: [start, end) offsets. */
  readonly nonStandard: ReadonlyArray<readonly [number, number]>;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** A letter of a bare literal (true, false, null, NaN, Infinity). */
function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export function scanMessage(text: string): ScanResult {
  const numericIds = new Map<number, string>();
  const nonStandard: Array<readonly [number, number]> = [];
  // Container stack: 1 = object, 2 = array. Only the first two levels matter for ids.
  const stack = new Uint8Array(MAX_DEPTH + 1);
  let depth = 0;
  let element = -1; // index of the current element of a top-level array
  let expectKey = false; // inside an object, before a key
  let lastKeyIsId = false;
  let awaitingIdValue = false;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // A string element of a top-level array (keys only occur inside objects).
      if (depth === 1 && stack[1] === 2) element++;
      const start = i + 1;
      let j = start;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return { problem: 'unterminated string', numericIds, nonStandard };
        // A quote preceded by an odd number of backslashes is escaped.
        let b = q - 1;
        while (b >= start && text.charCodeAt(b) === BACKSLASH) b--;
        if ((q - 1 - b) % 2 === 0) {
          j = q;
          break;
        }
        j = q + 1;
      }
      if (expectKey) {
        lastKeyIsId = j - start === 2 && text.startsWith('id', start);
        expectKey = false;
      } else if (awaitingIdValue) {
        awaitingIdValue = false;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (depth === 1 && stack[1] === 2) element++;
      awaitingIdValue = false;
      if (++depth > MAX_DEPTH) return { problem: `nested deeper than ${MAX_DEPTH}`, numericIds, nonStandard };
      stack[depth] = c === 0x7b ? 1 : 2;
      expectKey = c === 0x7b;
      i++;
      continue;
    }
    if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
      expectKey = false;
      awaitingIdValue = false;
      i++;
      continue;
    }
    if (c === 0x2c /* , */) {
      expectKey = stack[depth] === 1;
      awaitingIdValue = false;
      i++;
      continue;
    }
    if (c === 0x3a /* : */) {
      // An "id" key of a request object: the lone top-level object, or an object in a top-level array.
      awaitingIdValue = lastKeyIsId && stack[depth] === 1 && (depth === 1 || (depth === 2 && stack[1] === 2));
      lastKeyIsId = false;
      i++;
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      if (depth === 1 && stack[1] === 2) element++;
      const start = i;
      if (c === 0x2d && text.startsWith('Infinity', i + 1) && !isLetter(text.charCodeAt(i + 9))) {
        i += 9;
        nonStandard.push([start, i]);
        if (awaitingIdValue) numericIds.set(depth === 1 ? 0 : element, '-Infinity');
        awaitingIdValue = false;
        continue;
      }
      while (i < n) {
        const d = text.charCodeAt(i);
        if ((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) i++;
        else break;
      }
      if (i - start > MAX_NUMBER_LENGTH) return { problem: `a number longer than ${MAX_NUMBER_LENGTH} characters`, numericIds, nonStandard };
      if (awaitingIdValue) numericIds.set(depth === 1 ? 0 : element, text.slice(start, i));
      awaitingIdValue = false;
      continue;
    }
    if (isSpace(c)) {
      // Whitespace between a key's colon and its value keeps the id pending ("id": 7002.0).
      i++;
      continue;
    }
    if (isLetter(c)) {
      // A bare literal, taken whole: true, false, null, or Python's NaN / Infinity.
      if (depth === 1 && stack[1] === 2) element++;
      const start = i;
      while (i < n && isLetter(text.charCodeAt(i))) i++;
      const len = i - start;
      if ((len === 3 && text.startsWith('NaN', start)) || (len === 8 && text.startsWith('Infinity', start))) {
        nonStandard.push([start, i]);
        if (awaitingIdValue) numericIds.set(depth === 1 ? 0 : element, text.slice(start, i));
      }
      awaitingIdValue = false;
      continue;
    }
    awaitingIdValue = false;
    i++;
  }
  return { problem: null, numericIds, nonStandard };
}

/** Stands for NaN in the text given to JSON.parse (which has no NaN); its reviver turns it back. */
export const NAN_MARK = '\u0000anode:NaN\u0000';

/**
 * The text with its NaN / Infinity / -Infinity (scanMessage's nonStandard) replaced by standard
 * JSON that JSON.parse reads back as the same numbers: +-1e999 (which overflow to +-Infinity), and
 * a marker string for NaN that reviveNaN turns into NaN.
 */
export function standardJson(text: string, spans: ScanResult['nonStandard']): { text: string; hasNaN: boolean } {
  let out = '';
  let at = 0;
  let hasNaN = false;
  for (const [start, end] of spans) {
    const word = text.slice(start, end);
    out += text.slice(at, start);
    if (word === 'NaN') {
      hasNaN = true;
      out += JSON.stringify(NAN_MARK);
    } else {
      out += word === 'Infinity' ? '1e999' : '-1e999';
    }
    at = end;
  }
  return { text: out + text.slice(at), hasNaN };
}

export function reviveNaN(_key: string, value: unknown): unknown {
  return value === NAN_MARK ? NaN : value;
}
