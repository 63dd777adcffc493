import { afterEach, describe, expect, test } from "bun:test";
import { fastLanes } from "../../src/front/plan.ts";
import { Deadlines } from "../../src/proxy/deadlines.ts";
import { bindListener, type Bound, type Serving } from "../../src/server/bound-listener.ts";
import { createCA, issueLeaf } from "../../src/tls/issue.ts";
import { loadListenerTls } from "../../src/tls/listener-tls.ts";
import { tempDir, write } from "../tls/openssl.ts";
import { captureEvents, runtimeIn } from "../tls/tls-fixtures.ts";

const dir = tempDir();
const ca = await createCA({ cn: "Bound CA" });
const leaf = async (cn: string) => {
  const c = await issueLeaf({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, cn, sans: ["app.test"] });
  write(dir, `${cn}.crt`, c.certPem);
  write(dir, `${cn}.key`, c.keyPem);
};
await leaf("first");
await leaf("second");

const { events } = captureEvents();
const config = (listener: object) => ({ listeners: [listener], pools: {}, routes: [{ path: "/", respond: { status: 200, body: "hello" } }] });
const serving = (cfg: object): Serving => {
  const rt = runtimeIn(dir, cfg);
  return { rt, deps: { deadlines: new Deadlines(), events, access: () => {} }, lanes: fastLanes(rt) };
};

/** The subject CN a fresh TLS connection is served (openssl is a real, independent client). */
async function servedCn(url: string): Promise<string> {
  const cmd = `openssl s_client -connect 127.0.0.1:${new URL(url).port} -servername app.test </dev/null 2>/dev/null | openssl x509 -noout -subject`;
  return (await new Response(Bun.spawn(["sh", "-c", cmd], { stdout: "pipe" }).stdout).text()).trim();
}

const bound: Bound[] = [];
afterEach(async () => {
  for (const b of bound.splice(0)) await b.stop(true);
});

describe("a listener", () => {

  test("swap turns redirectHttps on and off in place, on the same port", async () => {
    const plain = { port: 0, host: "127.0.0.1" };
    const redirect = { ...plain, redirectHttps: { port: 8443 } };
    const first = serving(config(plain));
    const b = bindListener(first.rt.listeners[0]!, first, undefined);
    bound.push(b);
    expect(await (await fetch(b.url)).text()).toBe("hello");
    const r = serving(config(redirect));
    b.swap(r.rt.listeners[0]!, r);
    const moved = await fetch(`${b.url}a?x=1`, { headers: { host: "app.test" }, redirect: "manual" });
    expect([moved.status, moved.headers.get("location")]).toEqual([301, "https://app.test:8443/a?x=1"]);
    const back = serving(config(plain));
    b.swap(back.rt.listeners[0]!, back);
    expect(await (await fetch(b.url)).text()).toBe("hello");
  });

  test("prepared certificates are served after commit, and not after abort", async () => {
    const tls = (cn: string) => ({ port: 0, host: "127.0.0.1", tls: { certificates: [{ cert: `${cn}.crt`, key: `${cn}.key` }] } });
    const s = serving(config(tls("first")));
    const b = bindListener(s.rt.listeners[0]!, s, (await loadListenerTls(s.rt, events)).get(0));
    bound.push(b);
    const next = (await loadListenerTls(runtimeIn(dir, config(tls("second"))), events)).get(0)!;
    const undone = b.prepareTls(next);
    // Bun.serve alone: the prepared server already shares the port (SO_REUSEPORT) until commit or abort.
    expect(await servedCn(b.url)).toBe("subject=CN = first");
    undone.abort();
    expect(await servedCn(b.url)).toBe("subject=CN = first");
    b.prepareTls(next).commit();
    expect(await servedCn(b.url)).toBe("subject=CN = second");
  });
});
