import { expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import type { ClientSocket } from "../../src/front/client-socket.ts";
import { listenTls, sniTable } from "../../src/server/tls-front.ts";
import { connect as netConnect } from "node:net";
import type { TlsSetup } from "../../src/tls/listener-tls.ts";

const dir = mkdtempSync(join(tmpdir(), "tls-front-"));
function selfSigned(cn: string) {
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, `${cn}.key`), "-out", join(dir, `${cn}.crt`), "-days", "2", "-subj", `/CN=${cn}`], { stdio: "ignore" });
  return { cert: readFileSync(join(dir, `${cn}.crt`), "utf8"), key: readFileSync(join(dir, `${cn}.key`), "utf8") };
}
const a = selfSigned("a.test"), b = selfSigned("b.test"), c = selfSigned("c.test");
const setup = (first: typeof a, second: typeof a): TlsSetup => ({ entries: [{ serverName: "a.test", ...first }, { serverName: "*.b.test", ...second }], names: [] });

/** An echo server over the front's socket interface. */
function echo(s: TlsSetup) {
  return listenTls<ClientSocket>("127.0.0.1", 0, s, {
    open: (sock) => sock, data: (sock, d) => void sock.write(d), end: (sock) => sock.end(), drain: () => {}, timeout: () => {}, close: () => {},
  });
}

function served(port: number, servername: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: "127.0.0.1", rejectUnauthorized: false, ...(servername ? { servername } : {}) }, () => {
      const cn = String(s.getPeerCertificate().subject?.CN);
      s.end();
      resolve(cn);
    });
    s.on("error", reject);
  });
}

test("each SNI name gets its certificate, wildcards match one label, unknown or no SNI get the first", async () => {
  const l = echo(setup(a, b));
  try {
    expect(await served(l.port, "a.test")).toBe("a.test");
    expect(await served(l.port, "x.b.test")).toBe("b.test");
    expect(await served(l.port, "other.test")).toBe("a.test");
    expect(await served(l.port, undefined)).toBe("a.test");
  } finally {
    l.stop();
  }
});

test("a new table applies to new handshakes while an open connection keeps working", async () => {
  const l = echo(setup(a, b));
  try {
    const open = connect({ port: l.port, host: "127.0.0.1", rejectUnauthorized: false, servername: "a.test" });
    await new Promise((r) => open.once("secureConnect", r));
    l.setTable(sniTable(setup(c, b)));
    expect(await served(l.port, "a.test")).toBe("c.test");
    expect(await served(l.port, undefined)).toBe("c.test");
    open.write("still here");
    const back = await new Promise<string>((r) => open.once("data", (d) => r(String(d))));
    expect(back).toBe("still here");
    open.end();
  } finally {
    l.stop();
  }
});

test("a table without certificates is refused before anything is swapped", () => {
  expect(() => sniTable({ entries: [], names: [] })).toThrow("no certificate");
});

test("timeout(sec) fires once after sec seconds without a read or a write, and again once re-armed", async () => {
  const fired: number[] = [];
  let start = 0;
  let sock: ClientSocket | undefined;
  const l = listenTls<ClientSocket>("127.0.0.1", 0, setup(a, b), {
    open: (s) => {
      s.timeout(1);
      return (sock = s);
    },
    data: (s, d) => void s.write(d), end: (s) => s.end(), drain: () => {}, close: () => {},
    timeout: () => void fired.push(performance.now() - start),
  }, 60_000, 50);
  const client = connect({ port: l.port, host: "127.0.0.1", rejectUnauthorized: false, servername: "a.test" });
  await new Promise((r) => client.once("secureConnect", r));
  // Echoed bytes every 300 ms for 1.5 s: activity both ways, no timeout.
  start = performance.now();
  for (let i = 0; i < 5; i++) {
    if (i > 0) await Bun.sleep(300);
    client.write("x");
    await new Promise((r) => client.once("data", r));
  }
  expect(fired).toEqual([]);
  // Then idle: one timeout, a second or so after the last echo.
  start = performance.now();
  while (fired.length === 0) await Bun.sleep(20);
  expect(fired[0]!).toBeGreaterThanOrEqual(900);
  expect(fired[0]!).toBeLessThan(1600);
  await Bun.sleep(1200);
  expect(fired.length).toBe(1); // not re-armed: fires once
  start = performance.now();
  sock!.timeout(1);
  while (fired.length === 1) await Bun.sleep(20);
  expect(fired[1]!).toBeGreaterThanOrEqual(900);
  client.destroy();
  l.stop();
});

test("a client that never finishes its handshake is closed at the handshake deadline, silent or mid-ClientHello", async () => {
  const l = listenTls<ClientSocket>("127.0.0.1", 0, setup(a, b), {
    open: (sock) => sock, data: () => {}, end: () => {}, drain: () => {}, timeout: () => {}, close: () => {},
  }, 300);
  try {
    for (const first of [undefined, Buffer.from([22, 3, 1, 0, 200, 1, 0])]) {
      const started = performance.now();
      const closed = await new Promise<number>((resolve) => {
        const s = netConnect(l.port, "127.0.0.1", () => first && s.write(first));
        s.on("error", () => {});
        s.on("close", () => resolve(performance.now() - started));
      });
      expect(closed).toBeGreaterThanOrEqual(250);
      expect(closed).toBeLessThan(5000);
    }
  } finally { l.stop(); }
});

test("a trailing dot in the SNI name picks the same certificate as the name without it", async () => {
  const l = echo(setup(a, b));
  try {
    expect(await served(l.port, "a.test.")).toBe("a.test");
    expect(await served(l.port, "x.B.TEST.")).toBe("b.test");
  } finally { l.stop(); }
});

/** A listener that records plainHttp reports, and a raw TCP client's view of its answer to `bytes`. */
function reporting() {
  const seen: string[] = [];
  const l = listenTls<ClientSocket>("127.0.0.1", 0, setup(a, b), {
    open: (sock) => sock, data: () => {}, end: () => {}, drain: () => {}, timeout: () => {}, close: () => {}, plainHttp: (ip, bytes) => void seen.push(`${ip} ${bytes}`),
  });
  const answer = (bytes: string) => new Promise<string>((resolve) => {
    let got = "";
    const s = netConnect(l.port, "127.0.0.1", () => s.write(bytes));
    s.on("data", (d) => (got += d.toString("latin1")));
    s.on("close", () => resolve(got));
    s.on("error", () => resolve(got));
  });
  return { l, seen, answer };
}

test("a plain HTTP request on the TLS port is answered 400 in plain text, as NGINX does, and reported", async () => {
  const { l, seen, answer } = reporting();
  try {
    const got = await answer("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n");
    expect(got).toStartWith("HTTP/1.1 400 Bad Request\r\n");
    expect(got).toContain("connection: close\r\n");
    // Dated when sent (RFC 9110 6.6.1), not when the module was loaded.
    const date = Date.parse(/\r\ndate: ([^\r]+)\r\n/.exec(got)![1]!);
    expect(Math.abs(date - Date.now())).toBeLessThan(2000);
    expect(got).toEndWith("\r\n\r\n400 Bad Request: a plain HTTP request was sent to this HTTPS port; use https://\n");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain("127.0.0.1");
    expect(seen[0]).toEndWith(` ${"400 Bad Request: a plain HTTP request was sent to this HTTPS port; use https://\n".length}`); // the body, for the log
    // The listener still does TLS.
    expect(await served(l.port, "a.test")).toBe("a.test");
  } finally {
    l.stop();
  }
});

test("bytes that are neither TLS nor HTTP get no plain answer: the connection is closed", async () => {
  const { l, seen, answer } = reporting();
  try {
    expect(await answer("\x00\x01garbage that is no ClientHello\r\n\r\n")).not.toContain("HTTP/1.1");
    expect(seen).toEqual([]);
  } finally {
    l.stop();
  }
});
