import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe as changes, watchFile } from "../../src/cli/reload.ts";
import { compile } from "../../src/config/compile.ts";
import { parseConfigText } from "../../src/config/load.ts";
import { makeTempDir } from "../temp-dirs.ts";

const rt = (members: string[], paths: string[]) => compile(parseConfigText(JSON.stringify({
  listeners: [{ port: 0 }],
  pools: { web: { members: members.map((url) => ({ url })) } },
  routes: paths.map((path) => ({ path, pool: "web" })),
})), { file: "/x/routes.json" });

describe("reload", () => {
  test("the log line names routes and members added and removed", () => {
    const a = rt(["http://10.0.0.1:80", "http://10.0.0.2:80"], ["/"]);
    const b = rt(["http://10.0.0.2:80", "http://10.0.0.3:80"], ["/", "/api"]);
    const line = changes(a, b);
    expect(line).toContain("routes +*/api->web");
    expect(line).toContain("members +web http://10.0.0.3/ -web http://10.0.0.1/");
    expect(line).toContain("pools unchanged");
    expect(changes(a, a)).toBe("routes unchanged; pools unchanged; members unchanged; listeners unchanged");
    a.close();
    b.close();
  });

  test("--watch fires once the file's text changes, not for a rewrite of the same text", async () => {
    const dir = makeTempDir("edge-watch-");
    const file = join(dir, "routes.json");
    writeFileSync(file, "{}");
    let fired = 0;
    let changed!: () => void;
    const seen = new Promise<void>((r) => (changed = r));
    const stop = watchFile(file, () => (fired++, changed()), 20);
    await Bun.sleep(50);
    writeFileSync(file, "{}");
    await Bun.sleep(100);
    expect(fired).toBe(0);
    writeFileSync(file, '{"a":1}');
    await seen;
    stop();
    expect(fired).toBe(1);
  });
});
