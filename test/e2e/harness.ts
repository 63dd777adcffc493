/**
 * End-to-end harness: real upstream servers, a routes.json in a temp dir, and the compiled
 * dist/proxy run as a user runs it. The proxy's listeners use port 0; their real ports are read
 * from its "listening on" lines, so tests never race for fixed ports.
 */
import { makeTempDir } from "../temp-dirs.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";

export const BINARY = join(import.meta.dir, "../../dist/proxy");

export interface RunningProxy {
  urls: string[];          // one per listener, in config order
  url: string;             // urls[0]
  proc: Subprocess<"ignore", "pipe", "pipe">;
  dir: string;
  stderr: () => string;    // everything the proxy logged so far
  stdout: () => string;
  waitFor: (text: string | RegExp) => Promise<void>;
  stop: () => Promise<void>;
}

export function tempDir(): string {
  return makeTempDir("edge-proxy-");
}

/** Collects a stream's text and lets a test await a line that matches. */
function collect(stream: ReadableStream<Uint8Array>) {
  let text = "";
  const waiters: { re: string | RegExp; done: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (typeof w.re === "string" ? text.includes(w.re) : w.re.test(text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.done();
      }
    }
  };
  void (async () => {
    const dec = new TextDecoder();
    for await (const chunk of stream) {
      text += dec.decode(chunk, { stream: true });
      check();
    }
  })();
  return {
    text: () => text,
    waitFor: (re: string | RegExp) => new Promise<void>((done) => { waiters.push({ re, done }); check(); }),
  };
}

/** `skipWrite`: routes.json is already in `dir` (a test laid it out itself); `config` only says how many listeners. */
/** `binary`: another copy of dist/proxy (a test that needs the executable mapped by no other process). */
export async function startProxy(config: object, opts: { dir?: string; env?: Record<string, string>; args?: string[]; skipWrite?: boolean; binary?: string } = {}): Promise<RunningProxy> {
  const dir = opts.dir ?? tempDir();
  const file = join(dir, "routes.json");
  if (!opts.skipWrite) writeFileSync(file, JSON.stringify(config, null, 2));
  const proc = Bun.spawn([opts.binary ?? BINARY, "--routes", file, ...(opts.args ?? [])], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...opts.env } });
  const err = collect(proc.stderr);
  const out = collect(proc.stdout);
  const listeners = (config as { listeners: unknown[] }).listeners.length;
  const ready = new RegExp(`(listening on \\S+[\\s\\S]*){${listeners}}`);
  await Promise.race([
    err.waitFor(ready),
    proc.exited.then((code) => { throw new Error(`proxy exited with ${code} before listening:\n${err.text()}`); }),
  ]);
  const urls = [...err.text().matchAll(/listening on (\S+)/g)].map((m) => m[1]!.replace(/\/$/, ""));
  return {
    urls, url: urls[0]!, proc, dir,
    stderr: err.text, stdout: out.text, waitFor: (t) => Promise.race([err.waitFor(t), out.waitFor(t)]),
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

/** Runs the binary to completion (check, cert, invalid configs). */
export async function runBinary(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const proc = Bun.spawn([BINARY, ...args], { cwd: opts.cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, ...opts.env } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

/** An upstream that answers with its name and echoes what it received. */
export function echoUpstream(name: string) {
  const seen: { method: string; url: string; headers: Record<string, string> }[] = [];
  const server = Bun.serve({
    port: 0, hostname: "127.0.0.1", development: false,
    async fetch(req) {
      const url = new URL(req.url);
      const headers = Object.fromEntries(req.headers);
      seen.push({ method: req.method, url: url.pathname + url.search, headers });
      const body = req.body ? await req.text() : "";
      return Response.json({ name, method: req.method, path: url.pathname + url.search, headers, bodyLength: body.length });
    },
  });
  return { server, seen, url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

/**
 * A member URL whose connections stay refused for the whole test. A port a listener bound and
 * released is not enough: the kernel may hand it to the next bind(0), the proxy's own listener
 * among them, and the "dead" member then answers. Port 1 (tcpmux) lies below the ephemeral
 * range, so neither bind(0) nor connect() picks it, and nothing serves it on a test machine.
 */
export const REFUSED_URL = "http://127.0.0.1:1";

/** A port free for the test to bind itself (bound and released); not a refused member: see REFUSED_URL. */
export function closedPort(): number {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const port = s.port!;
  s.stop(true);
  return port;
}

export function writeFile(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
