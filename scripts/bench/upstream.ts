// The benchmark's upstream members: one process, two Bun.serve servers. Run as its own
// process (pinned next to wrk) so that it never shares an event loop with a proxy under test.
//   bun scripts/bench/upstream.ts [PORT1 PORT2]   (default: two ephemeral ports)
// Prints one JSON line {"ports":[p1,p2]} on stdout once both listen.
//   GET /small    16-byte body
//   GET /1m       1 MiB body, from one preallocated buffer so the upstream costs ~nothing
//   GET /__count  requests this member has answered (so the bench can see that both
//                 members got traffic: an ejected member would make a proxy look faster)

const SMALL = "0123456789abcdef"; // 16 bytes
const ONE_MIB = new Uint8Array(1 << 20).fill(0x61);

function member(port: number): number {
  let count = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port,
    // No idle timeout: a member closing a pooled keep-alive connection mid-run would show
    // up as proxy errors that are an artefact of the bench, not of the proxy.
    idleTimeout: 0,
    fetch(req): Response {
      const path = new URL(req.url).pathname;
      if (path === "/small") {
        count++;
        return new Response(SMALL, { headers: { "content-type": "text/plain" } });
      }
      if (path === "/1m") {
        count++;
        return new Response(ONE_MIB, { headers: { "content-type": "application/octet-stream" } });
      }
      if (path === "/__count") return Response.json({ count });
      return new Response("not found\n", { status: 404 });
    },
  });
  return server.port ?? 0;
}

const wanted = process.argv.slice(2).map(Number);
const ports = [member(wanted[0] ?? 0), member(wanted[1] ?? 0)];
console.log(JSON.stringify({ ports }));
