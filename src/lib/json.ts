import { isLosslessNumber, LosslessNumber, parse as parseByCharacter } from "lossless-json";
import { mustYield, takeTurn } from "./cooperate";

/**
 * Upstream JSON is parsed losslessly: every JSON number arrives as a LosslessNumber holding its exact
 * source text (`5.12E+8`, `512000000.0`, `12345678901234567890`), because plain JSON.parse silently
 * rounds Java BigDecimal and Long values.
 *
 * lossless-json's own parser reads the text a character at a time in JavaScript, 10-20× slower than
 * JSON.parse (a 2,000-record Bridge page: ~60 ms against ~4 ms, one long stall of the event loop). So the
 * text goes through the native JSON.parse, and one scan of the same text finds where each number token
 * is; a walk of the parsed value in document order then replaces the n-th number it meets by a
 * LosslessNumber of the n-th token's text. Exact by construction: no number's text is ever derived from
 * the rounded double.
 *
 * The walk meets the numbers in document order because JSON.parse keeps members in the order they are
 * written, with two exceptions that the walk detects and leaves to lossless-json's parser (the reference,
 * slower but rare): a key that is an array index ("0", "42"), which objects list first, and a key written
 * twice, which JSON.parse collapses without a word (lossless-json refuses it unless both values are
 * equal, and so the gateway keeps doing).
 */
export type JsonNumber = LosslessNumber;

export { isLosslessNumber };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** Where the number tokens of a text are, in document order, and how many object members it has. */
interface Tokens {
  /** Start and end offsets of the i-th number token at [2i] and [2i + 1]. */
  bounds: Int32Array;
  count: number;
  /** Colons outside strings: one per object member when the text is valid JSON. */
  members: number;
}

/** Whether the quote at `at` is escaped: preceded by an odd run of backslashes. */
function isEscaped(text: string, at: number): boolean {
  let k = at - 1;
  while (text.charCodeAt(k) === BACKSLASH) k--;
  return (at - 1 - k) % 2 === 1;
}

/**
 * One pass over valid JSON text: strings are skipped whole (a quote ends one unless escaped), and
 * outside them every run that starts with `-` or a digit is a number token (no keyword holds either).
 */
function scanNumbers(text: string): Tokens {
  const length = text.length;
  let bounds = new Int32Array(256);
  let count = 0;
  let members = 0;
  let i = 0;
  while (i < length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      let end = text.indexOf('"', i + 1);
      while (end !== -1 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
      if (end === -1) break;
      i = end + 1;
    } else if (code === COLON) {
      members++;
      i++;
    } else if (code === MINUS || (code >= ZERO && code <= NINE)) {
      const start = i;
      for (i++; i < length; i++) {
        const c = text.charCodeAt(i);
        if (!(
          (c >= ZERO && c <= NINE) ||
          c === DOT ||
          c === LOWER_E ||
          c === UPPER_E ||
          c === PLUS ||
          c === MINUS
        ))
          break;
      }
      if (2 * count + 2 > bounds.length) {
        const grown = new Int32Array(bounds.length * 2);
        grown.set(bounds);
        bounds = grown;
      }
      bounds[2 * count] = start;
      bounds[2 * count + 1] = i;
      count++;
    } else {
      i++;
    }
  }
  return { bounds, count, members };
}

/**
 * V8 makes a slice of 13 characters or more a view into the string it was cut from: one epoch-ms time
 * or int64 id kept from a page would keep the whole page's text (1.3 MB, or twice that when a name
 * holds a character beyond Latin-1) alive for as long as the record lives. Such a slice is copied.
 */
const SHARED_SLICE_MIN = 13;

/** The text of [start, end) as a string of its own, never a view into `text`. */
function ownSlice(text: string, start: number, end: number): string {
  const slice = text.slice(start, end);
  // Concatenation makes a new string; slicing it flattens it into one of end - start + 1 characters.
  return end - start < SHARED_SLICE_MIN ? slice : ` ${slice}`.slice(1);
}

/** A LosslessNumber from text known to be a JSON number token (its constructor would test it again). */
function exactNumber(text: string): LosslessNumber {
  const number = Object.create(LosslessNumber.prototype) as { value: string; isLosslessNumber: boolean };
  number.value = text;
  number.isLosslessNumber = true;
  return number as LosslessNumber;
}

/** Walks a parsed value in document order, putting each number's token text in its place. */
class ExactNumbers {
  /** Numbers met so far: the next one is the token at this index. */
  next = 0;
  /** Object members met so far. */
  members = 0;
  /** Set when the walk cannot stay in document order (an array-index key). */
  outOfOrder = false;

  constructor(
    private readonly text: string,
    private readonly tokens: Tokens,
  ) {}

  number(): LosslessNumber {
    const i = this.next++;
    // Past the last token the walk is out of step; the count check after the walk catches it.
    if (i >= this.tokens.count) return exactNumber("0");
    return exactNumber(ownSlice(this.text, this.tokens.bounds[2 * i], this.tokens.bounds[2 * i + 1]));
  }

  walk(node: object): void {
    if (Array.isArray(node)) {
      const items = node as unknown[];
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        if (typeof item === "number") items[i] = this.number();
        else if (typeof item === "object" && item !== null) this.walk(item);
      }
      return;
    }
    const record = node as Record<string, unknown>;
    const keys = Object.keys(record);
    this.members += keys.length;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const first = key.charCodeAt(0);
      // Array-index keys are listed first, not where they were written.
      if (first >= ZERO && first <= NINE) this.outOfOrder = true;
      const item = record[key];
      if (typeof item === "number") {
        // JSON.parse makes "__proto__" an own member; assigning to it would set the prototype instead.
        if (key === "__proto__") Object.defineProperty(record, key, { value: this.number() });
        else record[key] = this.number();
      } else if (typeof item === "object" && item !== null) {
        this.walk(item);
      }
    }
  }
}

/** Parses JSON text with every number as a LosslessNumber holding its exact source text. */
export function parseJsonLossless(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return withExactNumbers(text, value, scanNumbers(text));
}

/**
 * The same, in up to three turns of the event loop (lib/cooperate.ts) for a page-sized text: the native
 * parse, the scan for number tokens and the walk are each one stretch (for a 1.3 MB Bridge page ~4, ~2
 * and ~2 ms here once compiled, several times that in a fresh process or on a busy machine). `peek` is
 * given the native parse's value at once, its numbers still doubles (a hint, never an exact figure).
 */
export async function parseJsonLosslessInTurns(
  text: string,
  peek?: (plain: unknown) => void,
): Promise<unknown> {
  const value: unknown = JSON.parse(text);
  // What the native parse already tells (a page's total), before its numbers are made exact: read it now,
  // since the walk below replaces those numbers in place.
  peek?.(value);
  if (mustYield()) await takeTurn();
  const tokens = scanNumbers(text);
  if (mustYield()) await takeTurn();
  return withExactNumbers(text, value, tokens);
}

/** `value`, parsed from `text`, with the n-th number replaced by the n-th token's exact text. */
function withExactNumbers(text: string, value: unknown, tokens: Tokens): unknown {
  if (typeof value === "number") return exactNumber(ownSlice(text, tokens.bounds[0], tokens.bounds[1]));
  if (typeof value !== "object" || value === null) return value;
  const exact = new ExactNumbers(text, tokens);
  exact.walk(value);
  if (exact.outOfOrder || exact.members !== tokens.members || exact.next !== tokens.count) {
    return parseByCharacter(text);
  }
  return value;
}
