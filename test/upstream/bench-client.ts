/**
 * Throughput of a Bun.serve front forwarding to a Bun.serve upstream ("hello"),
 * through UpstreamClient vs plain fetch. Not a test: run
 *   ./node_modules/.bin/bun test/upstream/bench-client.ts [seconds]
 * Needs `wrk` on PATH. Upstream and front run in separate processes.
 */
import { UpstreamClient } from "../../src/upstream/client.ts";

const role = process.argv[2];

function target(url: string): string {
  return url.slice(url.indexOf("/", url.indexOf("//") + 2));
}

if (role === "upstream") {
  const big = new Uint8Array(1024 * 1024).fill(97);
  const s = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    development: false,
    fetch(req) {
      if (!req.url.endsWith("/big")) return new Response("hello");
      // 1 GiB, streamed with backpressure, to check the front's memory stays bounded.
      let left = 1024;
      const body = new ReadableStream({ pull: (c) => (left-- > 0 ? c.enqueue(big) : c.close()) });
      return new Response(body, { headers: { "content-length": String(1024 * big.length) } });
    },
  });
  console.log(s.port);
} else if (role === "client" || role === "fetch") {
  const upstream = process.argv[3]!;
  const client = new UpstreamClient(new URL(upstream));
  const opts = { connectTimeoutMs: 1000 };
  const s = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    development: false,
    fetch:
      role === "client"
        ? (req) =>
            client.request({ method: req.method, target: target(req.url), headers: req.headers, body: req.body, signal: req.signal }, opts)
        : (req) =>
            fetch(upstream + target(req.url), {
              method: req.method,
              headers: req.headers,
              body: req.body,
              signal: req.signal,
              redirect: "manual",
              decompress: false,
            }),
  });
  console.log(s.port);
} else {
  const seconds = process.argv[2] ?? "5";
  const self = import.meta.path;
  // PIN=1: front on CPU 0, upstream and wrk on CPU 1 (the pinning the benchmarks use), so a
  // front cannot borrow the second core (fetch runs its I/O on its own thread).
  const pin = (cpu: number) => (process.env.PIN === "1" ? ["taskset", "-c", String(cpu)] : []);
  const start = async (args: string[]) => {
    const p = Bun.spawn([...pin(args[0] === "upstream" ? 1 : 0), process.execPath, self, ...args], { stdout: "pipe", stderr: "inherit" });
    const reader = p.stdout.getReader();
    const { value } = await reader.read();
    reader.releaseLock();
    return { proc: p, port: Number(new TextDecoder().decode(value).trim()) };
  };
  // utime+stime of a whole process (all threads), in clock ticks (100/s on Linux).
  const cpuTicks = async (pid: number) => {
    const f = (await Bun.file(`/proc/${pid}/stat`).text()).split(") ")[1]!.split(" ");
    return Number(f[11]) + Number(f[12]);
  };
  const wrk = async (port: number, conns: number, pid: number) => {
    const cpu0 = await cpuTicks(pid);
    const p = Bun.spawn([...pin(1), "wrk", "-t1", `-c${conns}`, `-d${seconds}s`, `http://127.0.0.1:${port}/bench?x=1`], { stdout: "pipe" });
    const out = await new Response(p.stdout).text();
    const cpuMs = ((await cpuTicks(pid)) - cpu0) * 10;
    const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? "?";
    const lat = /Latency\s+(\S+)/.exec(out)?.[1] ?? "?";
    const errs = [/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[0], /Socket errors: .*/.exec(out)?.[0]].filter(Boolean).join("; ");
    const perReq = total > 0 ? ((cpuMs * 1000) / total).toFixed(1) : "?";
    return `${Math.round(Number(rps))} req/s, avg latency ${lat}, ${perReq} CPU us/req${errs ? `, ${errs}` : ""}`;
  };
  const up = await start(["upstream"]);
  console.log(`direct  c50: ${await wrk(up.port, 50, up.proc.pid)}`);
  const fronts = { client: await start(["client", `http://127.0.0.1:${up.port}`]), fetch: await start(["fetch", `http://127.0.0.1:${up.port}`]) };
  // Rounds alternate between the two fronts: the machine is shared, so absolute
  // figures drift; the ratio within a round is what to read.
  for (let round = 1; round <= 2; round++) {
    for (const c of [50, 256]) {
      for (const [kind, front] of Object.entries(fronts)) console.log(`round ${round} ${kind.padEnd(7)} c${c}: ${await wrk(front.port, c, front.proc.pid)}`);
    }
  }
  for (const [kind, front] of Object.entries(fronts)) {
    const t0 = performance.now();
    const curl = Bun.spawn(["curl", "-s", "-o", "/dev/null", "-w", "%{size_download}", `http://127.0.0.1:${front.port}/big`], { stdout: "pipe" });
    const size = await new Response(curl.stdout).text();
    const secs = (performance.now() - t0) / 1000;
    const hwm = /VmHWM:\s+(\d+)/.exec(await Bun.file(`/proc/${front.proc.pid}/status`).text())?.[1];
    console.log(`${kind.padEnd(7)} 1 GiB download: ${size} bytes in ${secs.toFixed(2)} s, front peak RSS ${Math.round(Number(hwm) / 1024)} MiB`);
    front.proc.kill();
  }
  up.proc.kill();
}
