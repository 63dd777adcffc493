/**
 * The socket front's fast lane, through dist/proxy with raw clients and raw upstreams: exact
 * bytes each way, pipelining, a connection that moves from the lane to the spine's tunnel,
 * every way an upstream frames (or fails to finish) a body, and the keep-alive race.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { REFUSED_URL, startProxy, type RunningProxy } from "./harness.ts";
import { rawRequest, trackedRawUpstream } from "./raw.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const rawUpstream = trackedRawUpstream(cleanups);

async function proxy(members: string[], extra: object = {}): Promise<RunningProxy> {
  const p = await startProxy({
    listeners: [{ port: 0, host: "127.0.0.1" }],
    pools: { app: { members: members.map((url) => ({ url })), health: { passive: { maxFails: 100 } } } },
    routes: [{ path: "/", pool: "app" }],
    ...extra,
  });
  cleanups.push(() => p.stop());
  return p;
}

/** curl, without blocking this process (the upstreams live in it). */
async function curl(...args: string[]): Promise<{ code: number; out: string }> {
  const proc = Bun.spawn(["curl", "-sS", ...args], { stdout: "pipe", stderr: "ignore" });
  const out = await new Response(proc.stdout).text();
  return { code: await proc.exited, out };
}

/** One connection, one request at a time: each step is written once the answer so far ends with its marker. */
function rawSteps(url: string, steps: [request: string, answerEndsWith: string][]): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve) => {
    let buf = "";
    let i = 0;
    void Bun.connect({ hostname: u.hostname, port: Number(u.port), socket: {
      open(s) { s.write(steps[0]![0]); },
      data(s, d) {
        buf += d.toString("latin1");
        if (!buf.endsWith(steps[i]![1])) return;
        if (++i === steps.length) { s.end(); resolve(buf); } else s.write(steps[i]![0]);
      },
      close() { resolve(buf); },
    } });
  });
}

const ok = (body: string) => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const pathOf = (head: string) => head.split(" ")[1]!;

/** Splits a byte stream of responses with Content-Length bodies. */
function responses(text: string): { status: string; head: string; body: string }[] {
  const out = [];
  while (text.length) {
    const end = text.indexOf("\r\n\r\n");
    const head = text.slice(0, end);
    const len = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    out.push({ status: head.split("\r\n")[0]!, head, body: text.slice(end + 4, end + 4 + len) });
    text = text.slice(end + 4 + len);
  }
  return out;
}

describe("fast lane: bytes on the wire", () => {
  test("the upstream gets the client's head line for line, X-Forwarded-* set, hop-by-hop and spoofable fields dropped", async () => {
    const up = rawUpstream((s) => s.write(ok("ok")));
    const p = await proxy([up.url]);
    const port = new URL(p.url).port;
    await rawRequest(p.url, "GET /a/./b?q=%41 HTTP/1.1\r\nHost: Shop.Example:8080\r\nUser-Agent: t/1\r\nX-Custom:  spaced \r\nConnection: keep-alive, close\r\nX-Forwarded-For: 6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\nAccept: */*\r\n\r\n");
    expect(up.heads[0]).toBe(
      `GET /a/b?q=%41 HTTP/1.1\r\nhost: Shop.Example:8080\r\nUser-Agent: t/1\r\nX-Custom:  spaced \r\nAccept: */*\r\n` +
      `x-forwarded-for: 127.0.0.1\r\nx-forwarded-proto: http\r\nx-forwarded-host: Shop.Example:8080\r\nx-forwarded-port: ${port}\r\n\r\n`,
    );
  });

  test("a clean upstream head reaches the client byte for byte; Keep-Alive fields are dropped", async () => {
    const up = rawUpstream((s, head) => s.write(head.includes("/ka")
      ? "HTTP/1.1 201 Made\r\nX-B: 1\r\nKeep-Alive: timeout=5\r\nConnection: keep-alive\r\nx-a: 2\r\nDate: then\r\nContent-Length: 2\r\n\r\nok"
      : "HTTP/1.1 200 Fine\r\nX-Odd-Case: v\r\nDate: then\r\nContent-Length: 2\r\n\r\nok"));
    const p = await proxy([up.url]);
    expect(await rawRequest(p.url, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"))
      .toBe("HTTP/1.1 200 Fine\r\nX-Odd-Case: v\r\nDate: then\r\nContent-Length: 2\r\nconnection: close\r\n\r\nok");
    expect(await rawRequest(p.url, "GET /ka HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"))
      .toBe("HTTP/1.1 201 Made\r\nX-B: 1\r\nx-a: 2\r\nDate: then\r\nContent-Length: 2\r\nconnection: close\r\n\r\nok");
  });

  test("pipelined requests are answered in order on one connection, then Connection: close ends it", async () => {
    const up = rawUpstream((s, head) => s.write(ok(pathOf(head))));
    const p = await proxy([up.url]);
    const text = await rawRequest(p.url, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /4 HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(responses(text).map((r) => r.body)).toEqual(["/1", "/2", "/3"]);
    expect(up.heads.map(pathOf)).toEqual(["/1", "/2", "/3"]); // nothing is read after close (RFC 9112 9.6)
  });

  test("a connection moves from the lane to the spine when a request has a body, in order", async () => {
    const up = rawUpstream((s, head) => s.write(ok(pathOf(head))));
    const p = await proxy([up.url]);
    // One at a time: Bun.serve (behind the tunnel) closes a connection on a pipelined request
    // when its handler is async (Bun 1.4.5), with or without the fast lane in front.
    const text = await rawSteps(p.url, [
      ["GET /fast HTTP/1.1\r\nHost: a\r\n\r\n", "/fast"],
      ["POST /body HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", "/body"],
      ["GET /after HTTP/1.1\r\nHost: a\r\n\r\n", "/after"],
    ]);
    expect(responses(text).map((r) => r.body)).toEqual(["/fast", "/body", "/after"]);
    await p.waitFor(/"GET \/after HTTP\/1\.1" 200/);
    expect(p.stdout().match(/"(GET|POST) \/\w+ HTTP\/1\.1" 200/g)).toEqual(['"GET /fast HTTP/1.1" 200', '"POST /body HTTP/1.1" 200', '"GET /after HTTP/1.1" 200']);
  });

  test("the spine behind the tunnel sees the real client address, as the lane does", async () => {
    const up = rawUpstream((s) => s.write(ok("ok")));
    const p = await proxy([up.url]);
    for (const args of [[], ["-d", "x"]]) {
      expect((await curl("--interface", "127.0.0.2", ...args, `${p.url}/ip`)).out).toBe("ok");
    }
    expect(up.heads.map((h) => /x-forwarded-for: (.*)\r\n/i.exec(h)?.[1])).toEqual(["127.0.0.2", "127.0.0.2"]);
    expect(up.heads[1]).toStartWith("POST /ip");
  });
});

describe("fast lane: response framing", () => {
  test("a chunked body goes out with clean framing (no extensions, trailers or bare LF), the connection reused after it", async () => {
    const up = rawUpstream((s, head) => s.write(head.includes("/lf")
      ? "HTTP/1.1 200 OK\r\nDate: d\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n"
      : "HTTP/1.1 200 OK\r\nDate: d\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n0\r\nT: 1\r\n\r\n"));
    const p = await proxy([up.url]);
    const first = await fetch(`${p.url}/c1`);
    expect(await first.text()).toBe("hello");
    for (const path of ["/c2", "/lf"]) {
      expect(await rawRequest(p.url, `GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`))
        .toBe("HTTP/1.1 200 OK\r\nDate: d\r\nTransfer-Encoding: chunked\r\nconnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    }
    expect(up.accepted()).toBe(1);
  });

  test("an upstream that dies mid-body cuts the client connection (the body never looks complete)", async () => {
    const up = rawUpstream((s) => {
      s.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b");
      s.terminate();
    });
    const p = await proxy([up.url]);
    const res = await curl(`${p.url}/cut`);
    expect([18, 56]).toContain(res.code); // CURLE_PARTIAL_FILE or CURLE_RECV_ERROR: never a clean end
    expect(res.out).toBe("only ten b");
    await p.waitFor("response aborted after 10 bytes");
  });

  test("a body the member ends by closing reaches an HTTP/1.1 client chunked, and the client's connection serves the next request", async () => {
    const up = rawUpstream((s, head) => {
      s.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close ${pathOf(head)}`);
      s.end();
    });
    const p = await proxy([up.url]);
    const text = await rawRequest(p.url, "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    // The member sent no Date: the proxy adds one (RFC 9110 6.6.1).
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\nContent-Type: text\/plain\r\ndate: \w{3}, \d\d \w{3} \d{4} [\d:]{8} GMT\r\n/);
    const plain = text.replace(/date: [^\r]*\r\n/gi, "");
    expect(plain).toBe("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ntransfer-encoding: chunked\r\n\r\ne\r\nuntil close /a\r\n0\r\n\r\n" +
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\ne\r\nuntil close /b\r\n0\r\n\r\n");
    expect(up.accepted()).toBe(2);
  });

  test("a 103 Early Hints is forwarded and a 100 dropped (RFC 9110 15.2); HEAD and 304 answers have no body and keep the connection", async () => {
    const up = rawUpstream((s, head) => {
      if (head.startsWith("HEAD")) s.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
      else if (head.includes("/304")) s.write("HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n");
      else s.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n" + ok("final"));
    });
    const p = await proxy([up.url]);
    const text = await rawRequest(p.url, "HEAD /h HTTP/1.1\r\nHost: a\r\n\r\nGET /304 HTTP/1.1\r\nHost: a\r\n\r\nGET /hints HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    expect(text.replace(/date: [^\r]*\r\n/g, "")).toBe("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\nconnection: close\r\n\r\nfinal");
    expect(up.accepted()).toBe(1);
  });
});

describe("fast lane: a client that half-closes", () => {
  test("a request followed by FIN still gets its answers (pipelined ones too), then the connection closes", async () => {
    const up = rawUpstream((s, head) => s.write(ok(pathOf(head))));
    const p = await proxy([up.url]);
    const u = new URL(p.url);
    const text = await new Promise<string>((resolve) => {
      let buf = "";
      void Bun.connect({ hostname: u.hostname, port: Number(u.port), allowHalfOpen: true, socket: {
        open(s) {
          s.write("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
          s.shutdown(); // FIN: nothing more from this client
        },
        data(_s, d) { buf += d.toString("latin1"); },
        close() { resolve(buf); },
      } });
    });
    expect(responses(text.replace(/date: [^\r]*\r\n/gi, "")).map((r) => r.body)).toEqual(["/1", "/2"]);
  });
});

describe("fast lane: the keep-alive race", () => {
  test("a GET whose pooled connection closes unanswered is replayed once on a fresh one", async () => {
    let raced = false;
    const up = rawUpstream((s, head) => {
      if (head.includes("/race") && !raced) {
        raced = true;
        return s.terminate();
      }
      s.write(ok(pathOf(head)));
    });
    const p = await proxy([up.url]);
    expect(await (await fetch(`${p.url}/warm`)).text()).toBe("/warm");
    expect(await (await fetch(`${p.url}/race`)).text()).toBe("/race");
    expect(up.heads.map(pathOf)).toEqual(["/warm", "/race", "/race"]);
    expect(p.stderr()).not.toContain("retrying");
  });

  test("a bodyless POST whose pooled connection closes unanswered is not replayed: 502", async () => {
    const up = rawUpstream((s, head) => (head.startsWith("POST") ? s.terminate() : s.write(ok("ok"))));
    const p = await proxy([up.url]);
    expect(await (await fetch(`${p.url}/warm`)).text()).toBe("ok");
    const res = await rawRequest(p.url, "POST /charge HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    expect(res).toStartWith("HTTP/1.1 502 Bad Gateway\r\n");
    expect(up.heads.filter((h) => h.startsWith("POST")).length).toBe(1);
  });
});

describe("fast lane: limits, cut bodies and timeouts", () => {
  test("a head over 32 KiB is refused (431) before any member, even when it arrives in one read", async () => {
    const up = rawUpstream((s) => s.write(ok("ok")));
    const p = await proxy([up.url]);
    const res = await rawRequest(p.url, `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${"b".repeat(40_000)}\r\nConnection: close\r\n\r\n`);
    expect(res).toStartWith("HTTP/1.1 431 ");
    expect(up.heads.length).toBe(0);
  });

  test("a body that ends at close is cut, not complete, when the member resets the connection", async () => {
    const up = rawUpstream((s) => {
      s.write("HTTP/1.1 200 OK\r\nDate: d\r\n\r\npartial");
      s.terminate();
    });
    const p = await proxy([up.url]);
    const res = await curl(`${p.url}/reset`);
    expect(res.code).not.toBe(0);
    await p.waitFor("response aborted after 7 bytes");
  });

  test("a malformed first chunk is a 502 (logged as such), not a 200 with nothing after it", async () => {
    const up = rawUpstream((s) => s.write("HTTP/1.1 200 OK\r\nDate: d\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
    const p = await proxy([up.url]);
    expect(await rawRequest(p.url, "GET /bad HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")).toStartWith("HTTP/1.1 502 Bad Gateway\r\n");
    await p.waitFor(/"GET \/bad HTTP\/1\.1" 502 /);
  });

  test("the route's connect timeout applies (not only the pool's)", async () => {
    // A listener with a full backlog: the kernel drops further SYNs, so connect() hangs.
    const py = Bun.spawn(["python3", "-c", "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()"], { stdin: "pipe", stdout: "pipe" });
    cleanups.push(() => py.kill());
    const port = Number(new TextDecoder().decode((await py.stdout.getReader().read()).value).trim());
    const filler = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    cleanups.push(() => filler.terminate());
    const p = await startProxy({
      listeners: [{ port: 0, host: "127.0.0.1" }],
      pools: { app: { members: [{ url: `http://127.0.0.1:${port}` }], retries: 0, timeouts: { connect: "30s" } } },
      routes: [{ path: "/", pool: "app", timeouts: { connect: "200ms" } }],
    });
    cleanups.push(() => p.stop());
    const res = await rawRequest(p.url, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    expect(res).toStartWith("HTTP/1.1 502 Bad Gateway\r\n");
    expect(res).toContain("could not connect to a member of pool app in time");
  });

  test("a client that stops reading is closed at the idle timeout without counting against the member", async () => {
    // The member sends as fast as it is read, far more than loopback buffers hold (they grow to MBs).
    const chunk = Buffer.alloc(1 << 20, 0x61);
    const pump = (s: Socket<{ big: boolean }>) => { while (s.data.big && s.write(chunk) === chunk.byteLength); };
    const member = Bun.listen<{ big: boolean }>({
      hostname: "127.0.0.1", port: 0,
      socket: {
        open(s) { s.data = { big: false }; },
        data(s, d) {
          if (!d.toString("latin1").includes("/big")) return void s.write(ok("fine"));
          s.write(`HTTP/1.1 200 OK\r\nDate: d\r\nContent-Length: ${1 << 30}\r\n\r\n`);
          s.data.big = true;
          pump(s);
        },
        drain: pump,
      },
    });
    cleanups.push(() => member.stop(true));
    const p = await startProxy({
      listeners: [{ port: 0, host: "127.0.0.1" }],
      pools: { app: { members: [{ url: `http://127.0.0.1:${member.port}` }], health: { passive: { maxFails: 1 } } } },
      routes: [{ path: "/", pool: "app", timeouts: { idle: "300ms" } }],
    });
    cleanups.push(() => p.stop());
    const u = new URL(p.url);
    const reader = await Bun.connect({ hostname: u.hostname, port: Number(u.port), socket: { data(s) { s.pause(); } } });
    cleanups.push(() => reader.terminate());
    reader.write("GET /big HTTP/1.1\r\nHost: a\r\n\r\n");
    await p.waitFor("stopped reading; connection closed");
    expect(p.stderr()).not.toContain("ejected");
    expect(await (await fetch(`${p.url}/after`)).text()).toBe("fine");
  }, 20_000);
});

describe("fast lane: whose failure it is, and sticky sessions without failover", () => {
  test("a client leaving before the head does not excuse a member that never answers: it is ejected at the response timeout", async () => {
    const reached = Promise.withResolvers<void>();
    const hung = rawUpstream(() => reached.resolve()); // reads the request, never answers
    const p = await startProxy({
      listeners: [{ port: 0, host: "127.0.0.1" }],
      pools: { app: { members: [{ url: hung.url }], retries: 0, timeouts: { response: "300ms" }, health: { passive: { maxFails: 1 } } } },
      routes: [{ path: "/", pool: "app" }],
    });
    cleanups.push(() => p.stop());
    const u = new URL(p.url);
    const client = await Bun.connect({ hostname: u.hostname, port: Number(u.port), socket: { data() {} } });
    client.write("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
    await reached.promise;
    client.terminate();
    await p.waitFor(/ejected .*upstream response timeout/);
    await p.waitFor(/"GET \/slow HTTP\/1\.1" 499 /);
  });

  test("failover: false answers 503 when the session's member refuses the connection (Apache nofailover=On)", async () => {
    const up = rawUpstream((s) => s.write(ok("b")));
    const p = await startProxy({
      listeners: [{ port: 0, host: "127.0.0.1" }],
      pools: { app: {
        members: [{ url: REFUSED_URL, route: "n1" }, { url: up.url, route: "n2" }], retries: 1,
        sticky: { cookie: "ROUTEID", mode: "insert", failover: false }, health: { passive: { maxFails: 100 } },
      } },
      routes: [{ path: "/", pool: "app" }],
    });
    cleanups.push(() => p.stop());
    const cart = (route: string) => rawRequest(p.url, `GET /cart HTTP/1.1\r\nHost: a\r\nCookie: ROUTEID=.${route}\r\nConnection: close\r\n\r\n`);
    const refused = await cart("n1");
    expect(refused).toStartWith("HTTP/1.1 503 Service Unavailable\r\n");
    expect(refused).toContain("failover is off");
    expect(up.heads.length).toBe(0);
    expect(responses(await cart("n2"))[0]!.body).toBe("b");
  });
});
