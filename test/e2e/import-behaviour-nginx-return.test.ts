/**
 * NGINX `return` beside `add_header`, and a server-level `return`, under real NGINX and,
 * imported, under dist/proxy: the same status, body and added headers.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, type RunningProxy } from "./harness.ts";
import { HAS_NGINX, freePort, importAndServe, name, namedUpstream, request, startNginx, type Peer } from "./peers.ts";

describe.skipIf(!HAS_NGINX)("NGINX return with add_header: NGINX and the imported routes.json answer alike", () => {
  const dir = tempDir();
  let up: ReturnType<typeof namedUpstream>, nginx: Peer, proxy: RunningProxy, port: number;
  beforeAll(async () => {
    up = namedUpstream("app");
    port = freePort();
    writeFileSync(join(dir, "site.conf"), [
      `server { listen 127.0.0.1:${port}; location / { proxy_pass http://127.0.0.1:${up.port}; }`,
      `location /ok { add_header X-A 1; return 200 "fine"; } location /no { add_header X-B 2; return 403; } location /al { add_header X-C 3 always; return 403; } }`,
      `server { listen 127.0.0.1:${port}; server_name closed.example; return 403 "closed"; location /x { proxy_pass http://127.0.0.1:${up.port}; } }`,
    ].join("\n"));
    nginx = await startNginx(dir, port, `include ${join(dir, "site.conf")};`);
    proxy = await importAndServe("nginx", dir, join(dir, "site.conf"));
  });
  afterAll(async () => {
    await nginx?.stop();
    await proxy?.stop();
    up?.stop();
  });
  const both = (path: string, host = "any.example") => Promise.all([`http://127.0.0.1:${port}`, proxy.url].map((u) => request(u + path, { host })));

  test("add_header is sent with return 200 and, without always, not with return 403, in both", async () => {
    for (const [path, header, value] of [["/ok", "x-a", "1"], ["/no", "x-b", undefined], ["/al", "x-c", "3"]] as const) {
      const [n, p] = await both(path);
      expect({ path, status: p!.status, header: p!.headers[header] }).toEqual({ path, status: n!.status, header: value });
    }
    const [n, p] = await both("/ok");
    expect([n!.body, p!.body]).toEqual(["fine", "fine"]);
  });

  test("a server-level return answers every path of its server, its locations too, in both", async () => {
    for (const path of ["/x/y", "/other"]) {
      const [n, p] = await both(path, "closed.example");
      expect([n!.status, p!.status, p!.body]).toEqual([403, 403, n!.body]);
    }
    const [n, p] = await both("/x", "other.example");
    expect([name(n!.body), name(p!.body)]).toEqual(["app", "app"]);
  });
});
