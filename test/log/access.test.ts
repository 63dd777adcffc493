import { describe, expect, test } from "bun:test";
import { clfTime, createAccessLog, formatCombined, formatJson, type AccessEntry, type Sink } from "../../src/log/access.ts";

const entry = (over: Partial<AccessEntry> = {}): AccessEntry => ({
  clientIp: "192.0.2.7",
  method: "GET",
  target: "/is-samlsso/login?x=1",
  protocol: "HTTP/1.1",
  status: 200,
  bytes: 1234,
  referer: "https://sso.example.com/",
  userAgent: "curl/8.5.0",
  host: "sso.example.com",
  route: "sso.example.com/is-samlsso",
  pool: "identity",
  member: "https://127.0.0.1:9443",
  durationMs: 12.3456,
  ...over,
});

// 2000-10-10T13:55:36.789Z: Apache's documentation example instant.
const T = Date.UTC(2000, 9, 10, 13, 55, 36, 789);

class MemorySink implements Sink {
  lines: string[] = [];
  flushes = 0;
  write(s: string) {
    this.lines.push(s);
  }
  flush() {
    this.flushes++;
  }
}

describe("clfTime", () => {
  test("Apache %t format in UTC", () => {
    expect(clfTime(T)).toBe("10/Oct/2000:13:55:36 +0000");
  });

  test("zero-padded day, hours, minutes, seconds; every month name", () => {
    expect(clfTime(Date.UTC(2024, 0, 5, 3, 4, 5))).toBe("05/Jan/2024:03:04:05 +0000");
    const months = Array.from({ length: 12 }, (_, m) => clfTime(Date.UTC(2023, m, 1)).slice(3, 6));
    expect(months).toEqual(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]);
  });

  test("the cached stamp changes with the second, not within it", () => {
    expect(clfTime(T)).toBe("10/Oct/2000:13:55:36 +0000");
    expect(clfTime(T + 210)).toBe("10/Oct/2000:13:55:36 +0000"); // 36.999
    expect(clfTime(T + 211)).toBe("10/Oct/2000:13:55:37 +0000");
    expect(clfTime(T - 1000)).toBe("10/Oct/2000:13:55:35 +0000"); // going back works too
    expect(clfTime(Date.UTC(1999, 11, 31, 23, 59, 59, 999))).toBe("31/Dec/1999:23:59:59 +0000");
  });
});

describe("formatCombined", () => {
  test("Apache combined fields, then route, pool, member and duration", () => {
    expect(formatCombined(entry(), T)).toBe(
      '192.0.2.7 - - [10/Oct/2000:13:55:36 +0000] "GET /is-samlsso/login?x=1 HTTP/1.1" 200 1234 "https://sso.example.com/" "curl/8.5.0" ' +
        'route="sso.example.com/is-samlsso" pool=identity member=https://127.0.0.1:9443 dur=0.012\n',
    );
  });

  test("- for zero bytes, no referer, no user agent, no pool or member", () => {
    const line = formatCombined(entry({ status: 404, bytes: 0, referer: null, userAgent: "", route: "/balancer-manager", pool: "", member: "", durationMs: 0 }), T);
    expect(line).toBe('192.0.2.7 - - [10/Oct/2000:13:55:36 +0000] "GET /is-samlsso/login?x=1 HTTP/1.1" 404 - "-" "-" route="/balancer-manager" pool=- member=- dur=0.000\n');
  });

  test("an empty route label is -", () => {
    expect(formatCombined(entry({ route: "" }), T)).toContain(' route="-" ');
  });

  test("duration is seconds with millisecond precision", () => {
    expect(formatCombined(entry({ durationMs: 1500 }), T)).toEndWith(" dur=1.500\n");
    expect(formatCombined(entry({ durationMs: 0.4 }), T)).toEndWith(" dur=0.000\n");
    expect(formatCombined(entry({ durationMs: 61_234.9 }), T)).toEndWith(" dur=61.235\n");
  });

  test("a \" in the user agent cannot end the quoted field", () => {
    const line = formatCombined(entry({ userAgent: 'evil" 200 9999 "x' }), T);
    // Exactly the unescaped quotes the format itself puts there: request, referer, UA, route (2 each).
    expect(line.match(/(?<!\\)"/g)!.length).toBe(8);
    expect(line).toContain('"evil\\" 200 9999 \\"x"'); // Apache mod_log_config: \"
  });

  test("backslashes and control characters are escaped; one entry is one line", () => {
    const line = formatCombined(entry({ userAgent: "a\\b\nc\rd\te\x7f", referer: "x\x00y", target: "/a\x1b[31m" }), T);
    expect(line).toContain('"a\\\\b\\x0ac\\x0dd\\x09e\\x7f"'); // backslash doubled, as Apache
    expect(line).toContain('"x\\x00y"');
    expect(line).toContain('"GET /a\\x1b[31m HTTP/1.1"');
    expect(line.indexOf("\n")).toBe(line.length - 1);
    expect(line).not.toContain("\r");
  });

  test("bytes 0x80-0xff (a latin1 char each) are written as \\xhh, as Apache and NGINX log them", () => {
    const line = formatCombined(entry({ target: "/caf\xc3\xa9?q=\xff", userAgent: "\xe9" }), T);
    expect(line).toContain('"GET /caf\\xc3\\xa9?q=\\xff HTTP/1.1"');
    expect(line).toContain('"\\xe9"');
    expect(/^[\x20-\x7e]*\n$/.test(line)).toBe(true);
  });

  test("each line quotes its own method and route, whatever the line before had", () => {
    const lines = [
      entry({ route: 'a"b', method: "GET" }),
      entry({ route: 'a"b', method: "GET" }),
      entry({ route: "plain", method: "POST" }),
      entry({ route: 'a"b', method: "GET" }),
    ].map((e) => formatCombined(e, T));
    expect(lines.map((l) => / route="(.*)" pool=/.exec(l)![1])).toEqual(['a\\"b', 'a\\"b', "plain", 'a\\"b']);
    expect(lines.map((l) => /"(\w+) \//.exec(l)![1])).toEqual(["GET", "GET", "POST", "GET"]);
  });

  test("characters past 0xff (a route label from routes.json, never a head's byte) pass through", () => {
    expect(formatCombined(entry({ route: "/größe ✓" }), T)).toContain('route="/gr\\xf6\\xdfe ✓"');
  });
});

describe("formatJson", () => {
  test("one parseable line with every field", () => {
    const line = formatJson(entry(), T);
    expect(line.endsWith("\n")).toBe(true);
    expect(line.indexOf("\n")).toBe(line.length - 1);
    expect(JSON.parse(line)).toEqual({
      time: "2000-10-10T13:55:36.789Z",
      clientIp: "192.0.2.7",
      method: "GET",
      target: "/is-samlsso/login?x=1",
      protocol: "HTTP/1.1",
      status: 200,
      bytes: 1234,
      referer: "https://sso.example.com/",
      userAgent: "curl/8.5.0",
      host: "sso.example.com",
      route: "sso.example.com/is-samlsso",
      pool: "identity",
      member: "https://127.0.0.1:9443",
      durationMs: 12.346,
    });
  });

  test("nulls stay null and hostile strings round-trip exactly", () => {
    const ua = 'a"b\\c\nd';
    const parsed = JSON.parse(formatJson(entry({ referer: null, userAgent: ua, bytes: 0 }), T));
    expect(parsed.referer).toBeNull();
    expect(parsed.userAgent).toBe(ua);
    expect(parsed.bytes).toBe(0);
  });
});

describe("createAccessLog", () => {
  test("writes one formatted line per entry to the sink, stamped by the wall clock", () => {
    const sink = new MemorySink();
    let now = T;
    const log = createAccessLog("combined", sink, () => now);
    log(entry());
    now = T + 1000;
    log(entry({ status: 502, bytes: 0 }));
    expect(sink.lines).toEqual([formatCombined(entry(), T), formatCombined(entry({ status: 502, bytes: 0 }), T + 1000)]);
    expect(sink.lines[1]).toContain("[10/Oct/2000:13:55:37 +0000]");
    expect(sink.flushes).toBe(0); // flushing is the sink's business
  });

  test("json format", () => {
    const sink = new MemorySink();
    const log = createAccessLog("json", sink, () => T);
    log(entry({ method: "POST" }));
    expect(sink.lines).toHaveLength(1);
    const parsed = JSON.parse(sink.lines[0]!);
    expect(parsed.method).toBe("POST");
    expect(parsed.time).toBe("2000-10-10T13:55:36.789Z");
  });
});

describe("Apache parity: quotes and backslashes", () => {
  test('mod_log_config writes \\" and \\\\ (ap_escape_logitem), which log parsers expect', () => {
    const line = formatCombined(entry({ userAgent: 'a"b\\c' }), T);
    expect(line).toContain('"a\\"b\\\\c"');
  });
});
