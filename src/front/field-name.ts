/**
 * Field names compared where they lie in a head's text. The head scanners (request-head.ts,
 * response-head.ts) act on a few names; slicing and lower-casing every candidate line's name
 * to compare it was a third of the response scanner's time (measured in a micro-benchmark:
 * slice + toLowerCase + trim ~250 ns of ~1 µs per head). Here a name is matched in place and
 * the caller gets back the constant it registered, so its `name === "host"` tests stay.
 */
export class FieldNames {
  /** Registered names by length (names are at most 31 characters). */
  readonly #byLength: (readonly string[] | undefined)[] = [];

  /** `names` in lower case: letters, digits and `-` only. */
  constructor(names: readonly string[]) {
    for (const n of names) {
      if (!/^[a-z0-9-]{1,31}$/.test(n)) throw new Error(`field name ${JSON.stringify(n)}: lower-case letters, digits and - only`);
      this.#byLength[n.length] = [...(this.#byLength[n.length] ?? []), n];
    }
  }

  /**
   * The registered name spelled (in any case) by head[pos, end), or undefined. The caller has
   * checked that the name is a token (RFC 9110 5.1): for token characters, setting bit 0x20
   * lower-cases a letter and maps nothing else onto a letter, a digit or `-`.
   */
  at(head: string, pos: number, end: number): string | undefined {
    const candidates = this.#byLength[end - pos];
    if (candidates === undefined) return undefined;
    for (const name of candidates) {
      let i = 0;
      while (i < name.length && (head.charCodeAt(pos + i) | 0x20) === name.charCodeAt(i)) i++;
      if (i === name.length) return name;
    }
    return undefined;
  }
}

/**
 * A Content-Length value at head[from, to): digits between optional spaces and tabs, at most
 * 15 of them (beyond any body this proxy relays, and exact as a double); -1 if it is anything
 * else (RFC 9110 8.6: a list such as `5, 5` is the full parser's business).
 */
export function lengthAt(head: string, from: number, to: number): number {
  let i = from;
  while (i < to && (head.charCodeAt(i) === 32 || head.charCodeAt(i) === 9)) i++;
  let end = to;
  while (end > i && (head.charCodeAt(end - 1) === 32 || head.charCodeAt(end - 1) === 9)) end--;
  if (end === i || end - i > 15) return -1;
  let n = 0;
  for (; i < end; i++) {
    const d = head.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
