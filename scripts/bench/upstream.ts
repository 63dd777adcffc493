// The benchmark's upstream members: one process, two plain HTTP Bun.serve servers and, when
// given a certificate, two HTTPS ones (the "https:// members" scenario). Run as its own
// process (pinned next to wrk) so that it never shares an event loop with a proxy under test.
//   bun scripts/bench/upstream.ts [PORT1 PORT2] [--tls CERT KEY]   (default: ephemeral ports)
// Prints one JSON line {"ports":[p1,p2],"tlsPorts":[p3,p4]} on stdout once all listen.
//   GET|POST /small, /s/small  16-byte body; a POST's body is read to its end first (the
//                               POST scenarios send 1 KiB); /s/ is the https:// members' route
//   GET /1m       1 MiB body, from one preallocated buffer so the upstream costs ~nothing
//   GET /__count  requests this member has answered (so the bench can see that both
//                 members got traffic: an ejected member would make a proxy look faster)

const SMALL = "0123456789abcdef"; // 16 bytes
const ONE_MIB = new Uint8Array(1 << 20).fill(0x61);

function member(port: number, tls?: { cert: string; key: string }): number {
  let count = 0;
  const small = () => {
    count++;
    return new Response(SMALL, { headers: { "content-type": "text/plain" } });
  };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port,
    ...(tls === undefined ? {} : { tls: { cert: Bun.file(tls.cert), key: Bun.file(tls.key) } }),
    // No idle timeout: a member closing a pooled keep-alive connection mid-run would show
    // up as proxy errors that are an artefact of the bench, not of the proxy.
    idleTimeout: 0,
    fetch(req): Response | Promise<Response> {
      const path = new URL(req.url).pathname;
      if (path === "/small" || path === "/s/small") return req.body === null ? small() : req.arrayBuffer().then(small);
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

const argv = process.argv.slice(2);
const t = argv.indexOf("--tls");
const tls = t === -1 ? undefined : { cert: argv[t + 1] ?? "", key: argv[t + 2] ?? "" };
const wanted = (t === -1 ? argv : argv.slice(0, t)).map(Number);
const ports = [member(wanted[0] ?? 0), member(wanted[1] ?? 0)];
const tlsPorts = tls === undefined ? [] : [member(0, tls), member(0, tls)];
console.log(JSON.stringify({ ports, tlsPorts }));
