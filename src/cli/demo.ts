/**
 * `proxy` with no --routes: two built-in upstreams behind one pool on http://127.0.0.1:8080,
 * so a newcomer sees balancing work before writing any config.
 */
import { compile } from "../config/compile.ts";
import { parseConfigText } from "../config/load.ts";
import { stderrEvents } from "../log/events.ts";
import type { Io } from "./check.ts";
import { start, waitForStop } from "./serve.ts";

export async function runDemo(io: Io, port = Number(process.env.PORT ?? 8080), quiet = false): Promise<number> {
  const upstreams = ["alpha", "beta"].map((name) =>
    Bun.serve({
      port: 0, hostname: "127.0.0.1", development: false,
      fetch(req) {
        const url = new URL(req.url);
        return Response.json({ upstream: name, path: url.pathname, forwardedFor: req.headers.get("x-forwarded-for") });
      },
    }));
  const config = {
    listeners: [{ port, host: "127.0.0.1" }],
    pools: { demo: { members: upstreams.map((u) => ({ url: `http://127.0.0.1:${u.port}` })) } },
    routes: [
      { path: "/blocked", respond: { status: 403, body: "blocked by the demo's routes\n" } },
      { path: "/api", pool: "demo", rewritePrefix: "/" },
      { path: "/", pool: "demo" },
    ],
    accessLog: { format: "combined" },
  };
  const rt = compile(parseConfigText(JSON.stringify(config), "demo"), { file: "./demo.json" });
  const started = start(rt, stderrEvents, quiet);
  if (!started) {
    for (const u of upstreams) u.stop(true);
    return 1;
  }
  io.out(`edge-proxy demo: two upstreams (alpha, beta) behind one pool on http://127.0.0.1:${port}
Try:
  curl http://127.0.0.1:${port}/hello          # alternates between alpha and beta
  curl http://127.0.0.1:${port}/api/users      # forwarded as /users (rewritePrefix)
  curl -i http://127.0.0.1:${port}/blocked     # answered by the proxy itself (403)
Then write a routes.json (see examples/routes.json) and run: proxy --routes routes.json
Ctrl-C stops.`);
  await waitForStop(started, () => ({ rt, affinity: started.affinity }), stderrEvents);
  for (const u of upstreams) u.stop(true);
  return 0;
}
