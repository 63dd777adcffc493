/**
 * A connection closed while the client is still sending its body (a 413 before the body, a
 * member that answers early) lingers as NGINX's lingering_close does: FIN after the answer, the
 * rest of the body read and dropped, so the client reads the answer and no reset destroys it.
 * Over a plain and a TLS listener, from one table.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startProxy, tempDir, type RunningProxy } from "./harness.ts";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";

const ca = await createCA({ cn: "Linger CA" });
const leaf = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn: "localhost", sans: ["localhost", "127.0.0.1"] });

/** A member that answers 413 with Connection: close as soon as it has a head, and reads on. */
const early = Bun.listen<{ answered: boolean }>({
  hostname: "127.0.0.1", port: 0,
  socket: {
    open(s) { s.data = { answered: false }; },
    data(s, d) {
      if (s.data.answered || !d.includes("\r\n\r\n")) return;
      s.data.answered = true;
      s.write("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope");
    },
  },
});
afterAll(() => early.stop(true));

interface Upload { head: string; error: string | undefined; finSeen: boolean }

/**
 * Sends the head of a 4 MiB POST, waits for the answer, then writes 2 MiB more of the body as a
 * client that does not read its answer first would (curl without Expect). Resolves once the
 * proxy has closed its side: with a FIN (lingering) or a reset (an error).
 */
function uploadPastAnswer(port: number, path: string, tls: boolean): Promise<Upload> {
  return new Promise((resolve) => {
    let got = "";
    let error: string | undefined;
    let finSeen = false;
    let toWrite = 2 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    const pump = (s: { write(b: Uint8Array): number }) => {
      while (toWrite > 0) {
        const n = s.write(chunk.subarray(0, Math.min(chunk.length, toWrite)));
        toWrite -= Math.max(n, 0);
        if (n < chunk.length) return;
      }
    };
    void Bun.connect({
      hostname: "127.0.0.1", port, allowHalfOpen: true,
      tls: tls ? { ca: ca.certPem, serverName: "localhost" } : undefined,
      socket: {
        open(s) { s.write(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${4 * 1024 * 1024}\r\n\r\n`); },
        data(s, d) {
          const before = got.includes("\r\n\r\n");
          got += d.toString("latin1");
          if (!before && got.includes("\r\n\r\n")) pump(s);
        },
        drain(s) { if (got.includes("\r\n\r\n")) pump(s); },
        end(s) { finSeen = true; s.end(); },
        error(_s, e) { error = (e as { code?: string }).code ?? e.message; },
        close() { resolve({ head: got.slice(0, got.indexOf("\r\n\r\n") + 2), error, finSeen }); },
      },
    });
  });
}

for (const kind of ["plain", "tls"] as const) describe(`lingering close (${kind} listener)`, () => {
  let p: RunningProxy;
  beforeAll(async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "site.crt"), leaf.certPem);
    writeFileSync(join(dir, "site.key"), leaf.keyPem);
    p = await startProxy({
      listeners: [{ port: 0, host: "127.0.0.1", ...(kind === "tls" ? { tls: { certificates: [{ cert: "site.crt", key: "site.key" }] } } : {}) }],
      pools: { early: { members: [{ url: `http://127.0.0.1:${early.port}` }] } },
      routes: [{ path: "/small/", pool: "early", maxBodySize: "1k" }, { path: "/", pool: "early" }],
      accessLog: { path: "/dev/null" },
    }, { dir });
  });
  afterAll(() => p.stop());

  const port = () => Number(new URL(p.url).port);

  test("a body over maxBodySize: the 413 is read and the client may go on writing; the proxy ends with a FIN, not a reset", async () => {
    const r = await uploadPastAnswer(port(), "/small/x", kind === "tls");
    expect(r.head).toStartWith("HTTP/1.1 413 ");
    expect(r.head.toLowerCase()).toContain("connection: close\r\n");
    expect([r.error, r.finSeen]).toEqual([undefined, true]);
  });

  test("a member answering before the streamed body is in: its answer says Connection: close, and the rest of the body is read, not reset", async () => {
    const r = await uploadPastAnswer(port(), "/upload", kind === "tls");
    expect(r.head).toStartWith("HTTP/1.1 413 Payload Too Large\r\n");
    expect(r.head.toLowerCase()).toContain("connection: close\r\n");
    expect([r.error, r.finSeen]).toEqual([undefined, true]);
  });
});
