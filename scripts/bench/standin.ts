// A stand-in for dist/proxy: the plain "Bun.serve + fetch" forwarding proxy, round robin
export {}; // a module, for the top-level await
import { dirname, resolve } from "node:path";
// over the pool's members. It reads the same routes.json the bench writes, so
//   --proxy-cmd "./node_modules/.bin/bun scripts/bench/standin.ts"
// exercises the proxy leg, and its figures are the baseline a real proxy should beat.
// Every listener is served; one with `tls` terminates TLS with its first certificate.
const routesPath = process.argv[process.argv.indexOf("--routes") + 1] ?? "routes.json";
type Listener = { port: number; host?: string; tls?: { certificates: { cert: string; key: string }[] } };
type Routes = { listeners: Listener[]; pools: Record<string, { members: { url: string }[] }> };
const routes = (await Bun.file(routesPath).json()) as Routes;
const members = Object.values(routes.pools)[0]?.members.map((m) => m.url.replace(/\/$/, "")) ?? [];
if (routes.listeners.length === 0 || members.length === 0) throw new Error(`${routesPath}: need a listener and members`);
let next = 0;
for (const listener of routes.listeners) {
  const c = listener.tls?.certificates[0];
  const at = (f: string) => Bun.file(resolve(dirname(routesPath), f));
  Bun.serve({
    hostname: listener.host ?? "127.0.0.1",
    port: listener.port,
    ...(c === undefined ? {} : { tls: { cert: at(c.cert), key: at(c.key) } }),
    fetch(req): Promise<Response> {
      const url = new URL(req.url);
      const base = members[next++ % members.length] ?? "";
      return fetch(base + url.pathname + url.search, { method: req.method, headers: req.headers, body: req.body, redirect: "manual" });
    },
  });
}
