// A stand-in for dist/proxy: the plain "Bun.serve + fetch" forwarding proxy, round robin
export {}; // a module, for the top-level await
// over the pool's members. It reads the same routes.json the bench writes, so
//   --proxy-cmd "./node_modules/.bin/bun scripts/bench/standin.ts"
// exercises the proxy leg, and its figures are the baseline a real proxy should beat.
const routesPath = process.argv[process.argv.indexOf("--routes") + 1] ?? "routes.json";
type Routes = { listeners: { port: number; host?: string }[]; pools: Record<string, { members: { url: string }[] }> };
const routes = (await Bun.file(routesPath).json()) as Routes;
const members = Object.values(routes.pools)[0]?.members.map((m) => m.url.replace(/\/$/, "")) ?? [];
const listener = routes.listeners[0];
if (listener === undefined || members.length === 0) throw new Error(`${routesPath}: need a listener and members`);
let next = 0;
Bun.serve({
  hostname: listener.host ?? "127.0.0.1",
  port: listener.port,
  fetch(req): Promise<Response> {
    const url = new URL(req.url);
    const base = members[next++ % members.length] ?? "";
    return fetch(base + url.pathname + url.search, { method: req.method, headers: req.headers, body: req.body, redirect: "manual" });
  },
});
