// A stand-in for dist/proxy: the plain "Bun.serve + fetch" forwarding proxy, round robin
export {}; // a module, for the top-level await
import { dirname, resolve } from "node:path";
// over the pool's members. It reads the same routes.json the bench writes, so
//   --proxy-cmd "./node_modules/.bin/bun scripts/bench/standin.ts"
// exercises the proxy leg, and its figures are the baseline a real proxy should beat.
// Every listener is served; one with `tls` terminates TLS with its first certificate.
const routesPath = process.argv[process.argv.indexOf("--routes") + 1] ?? "routes.json";
type Listener = { port: number; host?: string; tls?: { certificates: { cert: string; key: string }[] } };
type Routes = { listeners: Listener[]; pools: Record<string, { members: { url: string }[] }>; routes: { path: string; pool: string }[] };
const routes = (await Bun.file(routesPath).json()) as Routes;
// Routes in file order (the bench lists /s, the https:// members, before /); fetch verifies nothing here.
const table = routes.routes.map((r) => ({ path: r.path, members: routes.pools[r.pool]?.members.map((m) => m.url.replace(/\/$/, "")) ?? [], next: 0 }));
if (routes.listeners.length === 0 || table.every((t) => t.members.length === 0)) throw new Error(`${routesPath}: need a listener and members`);
for (const listener of routes.listeners) {
  const c = listener.tls?.certificates[0];
  const at = (f: string) => Bun.file(resolve(dirname(routesPath), f));
  Bun.serve({
    hostname: listener.host ?? "127.0.0.1",
    port: listener.port,
    ...(c === undefined ? {} : { tls: { cert: at(c.cert), key: at(c.key) } }),
    fetch(req): Promise<Response> {
      const url = new URL(req.url);
      const t = table.find((r) => url.pathname === r.path || url.pathname.startsWith(r.path === "/" ? "/" : `${r.path}/`)) ?? table[0]!;
      const base = t.members[t.next++ % t.members.length] ?? "";
      return fetch(base + url.pathname + url.search, { method: req.method, headers: req.headers, body: req.body, redirect: "manual", tls: { rejectUnauthorized: false } });
    },
  });
}
