// The JWT leg (issue 14): what validating an RS256 token costs a GET, at 50 connections.
//   bun scripts/bench/jwt-leg.ts [--seconds 10] [--connections 50] [--proxy dist/proxy]
// One proxy, the bench's two upstream members, two wrk runs of GET /small:
//   plain  no auth (what `npm run bench` measures)
//   jwt    `Authorization: Bearer <RS256 token>` on a route with auth.jwt (jwksFile, iss,
//          aud, claimsToHeaders), on the same engine
// and prints requests/s with the ratio jwt/plain (what the check costs a user). Every response must be a 2xx (wrk.ts): a 401 would not count as fast.
import { generateKeyPair, exportJWK, SignJWT } from "jose";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, pinned, spawnPiped, spawnServer, stopAll, track, waitReady } from "./proc.ts";
import { parseWrk, type WrkResult } from "./wrk.ts";

const opt = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
};
const SECONDS = Number(opt("seconds", "10"));
const CONNECTIONS = Number(opt("connections", "50"));
const PROXY = resolve(opt("proxy", "dist/proxy"));
const PROXY_CPU = 0, WRK_CPU = 1;

const dir = mkdtempSync(join(tmpdir(), "jwt-leg-"));
const { publicKey, privateKey } = await generateKeyPair("RS256");
writeFileSync(join(dir, "jwks.json"), JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "bench", alg: "RS256", use: "sig" }] }));
const token = await new SignJWT({ sub: "bench-user", scope: "read" }).setProtectedHeader({ alg: "RS256", kid: "bench" })
  .setIssuer("https://idp.bench").setAudience("bench").setIssuedAt().setExpirationTime("1d").sign(privateKey);

const upstream = spawnPiped(pinned(WRK_CPU, [process.execPath, `${import.meta.dir}/upstream.ts`]));
const first = await upstream.stdout.getReader().read();
const { ports } = JSON.parse(new TextDecoder().decode(first.value)) as { ports: number[] };

const port = freePort();
const pool = { members: ports.map((p) => ({ url: `http://127.0.0.1:${p}` })) };
const jwt = { jwksFile: "jwks.json", issuer: "https://idp.bench", audience: "bench", claimsToHeaders: { sub: "X-User", scope: "X-Scope" } };
writeFileSync(join(dir, "routes.json"), JSON.stringify({
  listeners: [{ port, host: "127.0.0.1" }],
  pools: { bench: pool },
  routes: [{ path: "/", pool: "bench" }, { path: "/jwt", pool: "bench", rewritePrefix: "/", auth: { jwt } }],
  accessLog: { format: "combined", path: "/dev/null" },
}));
const proxy = spawnServer(pinned(PROXY_CPU, [PROXY, "--routes", join(dir, "routes.json")]), join(dir, "proxy.log"));
const base = `http://127.0.0.1:${port}`;

async function wrk(path: string, header: string): Promise<WrkResult> {
  const cmd = pinned(WRK_CPU, ["wrk", "-t1", `-c${CONNECTIONS}`, `-d${SECONDS}s`, "--timeout", "5s", "--latency", "-H", header, base + path]);
  const p = Bun.spawn(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const untrack = track(p);
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  untrack();
  return parseWrk(out + err, code);
}

try {
  const notReady = await waitReady(`${base}/small`, 16, 10_000, () => proxy.exitCode === null);
  if (notReady) throw new Error(`proxy: ${notReady}`);
  const check = await fetch(`${base}/jwt/small`, { headers: { authorization: `Bearer ${token}` } });
  if (check.status !== 200) throw new Error(`the token was refused (${check.status}); see ${dir}/proxy.log`);
  const runs = {
    plain: await wrk("/small", "X-Bench: plain"),
    jwt: await wrk("/jwt/small", `Authorization: Bearer ${token}`),
  };
  for (const [name, r] of Object.entries(runs)) {
    console.log(`${name.padEnd(6)} ${r.rps.toFixed(0).padStart(8)} req/s  p50 ${r.p50Ms?.toFixed(2)} ms  p99 ${r.p99Ms?.toFixed(2)} ms${r.valid ? "" : `  INVALID: ${r.problems.join("; ")}`}`);
  }
  console.log(`jwt/plain ${(runs.jwt.rps / runs.plain.rps).toFixed(3)}  (${CONNECTIONS} connections, ${SECONDS} s each)`);
} finally {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
}
