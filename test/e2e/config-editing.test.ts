import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, echoUpstream, runBinary, startProxy, tempDir, writeFile } from "./harness.ts";

const base = (over: object = {}) => ({ listeners: [{ port: 0, host: "127.0.0.1" }], pools: { a: { members: [{ url: "http://127.0.0.1:1" }] } }, routes: [{ path: "/", pool: "a" }], ...over });
const checkConfig = async (config: object | string) => {
  const dir = tempDir();
  const file = writeFile(dir, "routes.json", typeof config === "string" ? config : JSON.stringify(config));
  return { dir, ...(await runBinary(["check", file])) };
};

describe("editing routes.json", () => {
  test("a JSON syntax error names its line and column", async () => {
    const r = await checkConfig('{\n  "listeners": [\n    { "port": 0, }\n  ]\n}');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("not valid JSON at line 3, column 18");
  });

  test('"$schema" is accepted and proxy schema prints the JSON Schema the examples point at', async () => {
    expect((await checkConfig(base({ $schema: "../docs/routes.schema.json" }))).code).toBe(0);
    const s = await runBinary(["schema"]);
    expect(s.code).toBe(0);
    const schema = JSON.parse(s.stdout);
    expect(schema.$schema).toContain("json-schema.org");
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["listeners", "pools", "routes", "eventLog", "$schema"]));
    expect(schema.additionalProperties).toBe(false);
    const shipped = JSON.parse(await Bun.file(join(import.meta.dir, "../../docs/routes.schema.json")).text());
    expect(shipped).toEqual(schema);
    for (const name of ["routes.json", "wso2-apim-nginx.json", "wso2-identity-server.json", "wso2-sso-offload.json"]) {
      const ex = JSON.parse(await Bun.file(join(import.meta.dir, "../../examples", name)).text());
      expect(ex.$schema).toBe("../docs/routes.schema.json");
    }
  });

  test("Apache and NGINX words get the field to use", async () => {
    // valibot reports the first unknown field of each object, so each word sits in its own object.
    const m = { url: "http://127.0.0.1:1" };
    const r = await checkConfig(base({ pools: {
      a: { lbmethod: "byrequests", members: [{ ...m, loadfactor: 2 }, { ...m, backup: true }] },
      b: { stickysession: "JSESSIONID", members: [m] }, c: { proxy_read_timeout: "5s", members: [m] },
    } }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pools.a.members[0].loadfactor: unknown field "loadfactor"; use weight');
    expect(r.stderr).toContain('pools.a.members[1].backup: unknown field "backup"; use standby: true');
    expect(r.stderr).toContain('pools.a.lbmethod: unknown field "lbmethod"; use method');
    expect(r.stderr).toContain("pools.b.stickysession: unknown field \"stickysession\"; use sticky");
    expect(r.stderr).toContain("pools.c.proxy_read_timeout: unknown field \"proxy_read_timeout\"; use timeouts.response");
    expect(r.stderr).toContain("docs/configuration.md");
  });

  test("two routes with the same host (any case) and path are an error naming both", async () => {
    const r = await checkConfig(base({ routes: [{ host: "SSO.example.com", path: "/x", pool: "a" }, { path: "/", pool: "a" }, { host: "sso.example.com", path: "/x", pool: "a", name: "second" }] }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("routes[2]: same host and path as routes[0] (SSO.example.com/x), so routes[2] (second)");
    const distinct = await checkConfig(base({ routes: [{ host: "a.example.com", path: "/x", pool: "a" }, { path: "/x", pool: "a" }, { path: "/x/", pool: "a" }] }));
    expect(distinct.code).toBe(0);
  });

  test("every subcommand answers --help", async () => {
    for (const args of [["--help"], ["check", "--help"], ["schema", "--help"], ["cert", "--help"], ["check", "-h"], ["help"]]) {
      const r = await runBinary(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/usage/i);
      expect(r.stderr).not.toContain("not found");
    }
    expect((await runBinary(["check", "--help"])).stdout).toContain("docs/configuration.md");
    const bad = await runBinary(["check", "--nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--nope");
  });

  test("arguments: --routes=FILE, a missing file name, unknown commands and options", async () => {
    const dir = tempDir();
    const file = writeFile(dir, "routes.json", JSON.stringify(base({ listeners: [{ port: 70000 }] })));
    const eq = await runBinary([`--routes=${file}`]);
    expect(eq.code).toBe(1);
    expect(eq.stderr).toContain("listeners[0].port");
    for (const args of [["--routes"], ["--routes="]]) {
      const r = await runBinary(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--routes needs a file: proxy --routes routes.json");
    }
    const cmd = await runBinary(["chekc", file]);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toContain('unknown command "chekc"');
    const opt = await runBinary(["--route", file]);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toContain("Unknown option '--route'");
  });

  test("a bare passphraseCommand beside routes.json runs from there; a missing one says where it was looked for", async () => {
    const dir = tempDir();
    const cert = await runBinary(["cert", "self-signed", "--cn", "localhost", "--cert", join(dir, "s.crt"), "--key", join(dir, "s.key"), "--passphrase-file", writeFile(dir, "pw", "sekret\n")]);
    expect(cert.code).toBe(0);
    writeFileSync(join(dir, "pass"), "#!/bin/sh\necho sekret\n");
    chmodSync(join(dir, "pass"), 0o755);
    const cfg = (cmd: string) => JSON.stringify(base({ listeners: [{ port: 0, host: "127.0.0.1", tls: { certificates: [{ cert: "s.crt", key: "s.key", passphraseCommand: cmd }] } }] }));
    const ok = await runBinary(["check", writeFile(dir, "routes.json", cfg("pass"))]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    const missing = await runBinary(["check", writeFile(dir, "routes.json", cfg("no-such-vault get key"))]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("listeners[0].tls.certificates[0].passphraseCommand: `no-such-vault get key` was not found: looked for " + join(dir, "no-such-vault"));
    expect(missing.stderr).toContain("and then in PATH");
  });
});

describe("config problems found before serving, with their path", () => {
  test("an access log in a missing directory fails check and start with its path, no stack trace", async () => {
    const cfg = base({ accessLog: { path: "logs/access.log" } });
    const r = await checkConfig(cfg);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('accessLog.path: "logs/access.log": the directory');
    expect(r.stderr).toContain("does not exist");
    const s = await runBinary(["--routes", join(r.dir, "routes.json")]);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain("accessLog.path:");
    expect(s.stderr).not.toMatch(/\bat .*:\d+:\d+|\n\s+at /);
    mkdirSync(join(r.dir, "logs"));
    expect((await runBinary(["check", join(r.dir, "routes.json")])).code).toBe(0);
  });

  test("a port in use is named with its listener at start (a warning in check)", async () => {
    const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const cfg = base({ listeners: [{ port: 0, host: "127.0.0.1" }, { port: holder.port, host: "127.0.0.1" }] });
      const r = await checkConfig(cfg);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`warning: listeners[1].port: ${holder.port} is in use`);
      const s = await runBinary(["--routes", join(r.dir, "routes.json")]);
      expect(s.code).toBe(1);
      expect(s.stderr).toContain(`listeners[1].port: ${holder.port} is in use`);
      expect(s.stderr).not.toContain("listening on");
    } finally { holder.stop(true); }
  });

  test("bad bind addresses are errors with their path", async () => {
    const r = await checkConfig(base({ listeners: [{ port: 0, host: "127.0.0.1" }, { port: 0, host: "300.1.1.1" }, { port: 0, host: "192.0.2.77" }] }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('listeners[1].host: cannot bind "300.1.1.1"');
    expect(r.stderr).toContain('listeners[2].host: "192.0.2.77" is not an address of this machine');
  });

  test("invalid UTF-8 is refused with its line", async () => {
    const dir = tempDir();
    const file = join(dir, "routes.json");
    const text = JSON.stringify(base({ routes: [{ path: "/", respond: { status: 200, body: "caf\u00e9" } }] }), null, 1);
    writeFileSync(file, Buffer.from(text, "latin1"));
    const r = await runBinary(["check", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not UTF-8 at line \d+ \(byte \d+\); save the file as UTF-8/);
  });

  test("__proto__ as a pool name and a pool without members are errors", async () => {
    const r = await checkConfig('{"listeners":[{"port":0}],"pools":{"__proto__":{"members":[]}},"routes":[{"path":"/","pool":"__proto__"}]}');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pools.__proto__: "__proto__" is reserved');
    expect(r.stderr).toContain("pools.__proto__.members: a pool needs at least one member");
  });
});

describe("event log", () => {
  test("json: every stderr line is one object with time, level and msg, config errors included", async () => {
    const up = echoUpstream("u");
    const dir = tempDir();
    writeFile(dir, "routes.json", JSON.stringify(base({ pools: { a: { members: [{ url: up.url }] } }, eventLog: { format: "json", level: "info" } })));
    const proc = Bun.spawn([BINARY, "--routes", join(dir, "routes.json")], { stdout: "ignore", stderr: "pipe" });
    const reader = proc.stderr.getReader();
    let text = "";
    while (!text.includes("listening on")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    // A served request shows start-up is over (signal handlers in place) before SIGTERM.
    const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(text)![1];
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    proc.kill("SIGTERM");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await proc.exited;
    up.stop();
    const lines = text.trim().split("\n");
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) {
      const o = JSON.parse(l);
      expect(new Date(o.time).toISOString()).toBe(o.time);
      expect(["debug", "info", "warn", "error"]).toContain(o.level);
      expect(typeof o.msg).toBe("string");
    }
    expect(lines.some((l) => JSON.parse(l).msg.startsWith("listening on http://127.0.0.1:"))).toBe(true);

    writeFile(dir, "routes.json", JSON.stringify({ ...base(), eventLog: { format: "json" }, listeners: [{ port: 70000 }] }));
    const bad = await runBinary(["--routes", join(dir, "routes.json")]);
    expect(bad.code).toBe(1);
    const errs = bad.stderr.trim().split("\n").map((l) => JSON.parse(l));
    expect(errs.some((e) => e.level === "error" && e.msg.includes("listeners[0].port"))).toBe(true);
  });

  test("level warn drops info lines; text is the default", async () => {
    const up = echoUpstream("u");
    const p = await startProxy(base({ pools: { a: { members: [{ url: up.url }] } } }));
    try {
      expect(p.stderr()).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z info listening on /m);
    } finally { await p.stop(); }
    const dir = tempDir();
    writeFile(dir, "routes.json", JSON.stringify(base({ pools: { a: { members: [{ url: up.url }], tls: { verify: false } } }, eventLog: { level: "warn" } })));
    const proc = Bun.spawn([BINARY, "--routes", join(dir, "routes.json")], { stdout: "ignore", stderr: "pipe" });
    // The verify:false warning is written before listening; SIGTERM after it ends the run.
    const reader = proc.stderr.getReader();
    let text = "";
    while (!text.includes("tls.verify is false")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    proc.kill("SIGTERM");
    text += await new Response(new ReadableStream({ pull: async (c) => { const r = await reader.read(); if (r.done) c.close(); else c.enqueue(r.value); } })).text();
    await proc.exited;
    up.stop();
    expect(text).toContain("warn pools.a.tls.verify is false");
    expect(text).not.toContain(" info ");
  });
});
