import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { startProxy, type RunningProxy } from "./harness.ts";

const GiB = 1024 ** 3;
const CHUNK = new Uint8Array(256 * 1024).fill(120);

/** A stream of `total` bytes made on demand, so the test itself holds nothing. */
function bytes(total: number): ReadableStream<Uint8Array> {
  let left = total;
  return new ReadableStream({
    pull(ctrl) {
      if (left <= 0) return ctrl.close();
      const n = Math.min(left, CHUNK.length);
      ctrl.enqueue(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
      left -= n;
    },
  }, { highWaterMark: 0 });
}

async function count(body: ReadableStream<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const c of body) n += c.byteLength;
  return n;
}

/** Peak resident memory of a process (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m![1]) / 1024;
}

describe("bodies stream both ways without buffering", () => {
  const up = Bun.serve({
    port: 0, hostname: "127.0.0.1", development: false, maxRequestBodySize: 2 * GiB,
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === "/download") return new Response(bytes(GiB), { headers: { "content-length": String(GiB) } });
      return Response.json({ received: req.body ? await count(req.body) : 0 });
    },
  });
  let p: RunningProxy;
  beforeAll(async () => {
    p = await startProxy({ listeners: [{ port: 0, host: "127.0.0.1" }], pools: { u: { members: [{ url: `http://127.0.0.1:${up.port}` }] } }, routes: [{ path: "/", pool: "u", maxBodySize: "2GB" }], accessLog: { path: "/dev/null" } });
  });
  afterAll(async () => { await p.stop(); up.stop(true); });

  test("1 GiB download and 1 GiB upload pass intact with the proxy under 150 MB RSS", async () => {
    const down = await fetch(p.url + "/download");
    expect(down.status).toBe(200);
    expect(await count(down.body!)).toBe(GiB);
    const upload = await fetch(p.url + "/upload", { method: "POST", body: bytes(GiB), headers: { "content-type": "application/octet-stream" } });
    expect(await upload.json()).toEqual({ received: GiB });
    const peak = peakRssMb(p.proc.pid);
    console.log(`proxy peak RSS after 1 GiB down + 1 GiB up: ${peak.toFixed(1)} MB`);
    expect(peak).toBeLessThan(150);
  }, 120_000);
});
