/**
 * The values routes.json's fields hold (durations, sizes, URLs, ports, statuses, paths, header
 * maps, regexes), each with the error message that names the fix; schema.ts puts them into the
 * config's shape. Units become numbers here, so nothing later re-parses text.
 */
import * as v from "valibot";
import { parseDuration, parseSize } from "./units.ts";
import { matchPath } from "../proxy/normalize.ts";

const MAX_DURATION_MS = 24 * 3_600_000;

export const duration = v.pipe(
  v.string('expected a duration string such as "5s"'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const ms = parseDuration(dataset.value);
    if (ms === undefined) {
      addIssue({ message: `${JSON.stringify(dataset.value)} is not a duration: use a number with ms, s, m or h, e.g. "250ms", "5s"` });
      return NEVER;
    }
    // Timers overflow past 2^31 ms (about 24 days) and then fire at once; a day is plenty.
    if (ms > MAX_DURATION_MS) {
      addIssue({ message: `${JSON.stringify(dataset.value)} is too long: at most "24h"` });
      return NEVER;
    }
    return ms;
  }),
);

/** A timeout or an interval: 0 would fire at once (or, for a probe interval, never pause). */
export const positiveDuration = v.pipe(
  duration,
  v.check((ms) => ms > 0, "must be more than 0, e.g. \"5s\""),
);

export const size = v.pipe(
  v.union([v.string(), v.number()], 'expected a size such as "100MB"'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const bytes = typeof dataset.value === "number" ? dataset.value : parseSize(dataset.value);
    if (bytes === undefined || !Number.isFinite(bytes) || bytes < 0) {
      addIssue({ message: `${JSON.stringify(dataset.value)} is not a size: use bytes or a number with KB, MB or GB, e.g. "100MB"` });
      return NEVER;
    }
    return Math.floor(bytes); // whole bytes, as "1.9KB" rounds down
  }),
);

export const httpUrl = v.pipe(
  v.string("expected an http or https URL"),
  v.check((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "" && !u.search && !u.hash && !u.username;
    } catch {
      return false;
    }
  }, (issue) => `${JSON.stringify(issue.input)} is not an http(s) URL of the form http(s)://host:port[/basepath]`),
);

export const port = v.pipe(v.number("expected a port number"), v.integer("expected a whole port number"), v.minValue(0, "a port is 0..65535"), v.maxValue(65535, "a port is 0..65535"));
export const status = (lo: number, hi: number) => v.pipe(v.number("expected an HTTP status"), v.integer("expected a whole HTTP status"), v.minValue(lo, `expected a status from ${lo} to ${hi}`), v.maxValue(hi, `expected a status from ${lo} to ${hi}`));
export const count = (lo: number, hi: number) => v.pipe(v.number(), v.integer(), v.minValue(lo, `expected ${lo}..${hi}`), v.maxValue(hi, `expected ${lo}..${hi}`));
export const pathPrefix = v.pipe(v.string(), v.startsWith("/", 'a path starts with "/"'));
/** What a probe writes on its request line and Host line as they are: no space, control or non-ASCII byte to split a line. */
export const printable = (what: string) => v.regex(/^[\x21-\x7e]+$/, `${what} of printable ASCII without spaces (percent-encode the rest)`);
/** Request paths are matched in canonical form, so a route path in any other form could never match. */
export const routePath = v.pipe(
  pathPrefix,
  v.check((p) => !p.includes("?") && matchPath(p) === p, (issue) => {
    const canon = typeof issue.input === "string" ? matchPath(issue.input.split("?")[0]!) : undefined;
    return `${JSON.stringify(issue.input)} can never match a request (paths are matched decoded and normalized)${canon ? `; write ${JSON.stringify(canon)}` : ""}`;
  }),
);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 5.5: no CR, LF or NUL (a split header), and Latin-1 only (what a header can carry).
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
export const headerMap = v.record(
  v.pipe(v.string(), v.regex(TOKEN, "a header name is an RFC 9110 token (letters, digits, - and a few symbols)")),
  v.pipe(v.string("a header value is a string"), v.regex(FIELD_VALUE, "a header value cannot hold CR, LF, NUL or characters beyond Latin-1")),
);
export const redirectTarget = v.pipe(
  v.string(),
  v.regex(/^[\x21-\x7e]+$/, "a redirect target is printable ASCII without spaces; percent-encode anything else"),
  v.check((t) => t.startsWith("/") || /^https?:\/\/[^/]/i.test(t), "a redirect target is an absolute http(s) URL or a path starting with /"),
);

export function isRegex(s: string): boolean {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}
