import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, tempDir } from "./harness.ts";

const DEPLOY = join(import.meta.dir, "../../deploy");
const hasAnalyze = Bun.spawnSync(["sh", "-c", "command -v systemd-analyze"]).exitCode === 0;

describe("deploy/", () => {
  test.if(hasAnalyze)("the systemd unit passes systemd-analyze verify", () => {
    const unit = readFileSync(join(DEPLOY, "edge-proxy.service"), "utf8").replace("/usr/local/bin/edge-proxy", BINARY);
    const file = join(tempDir(), "edge-proxy.service");
    writeFileSync(file, unit);
    const p = Bun.spawnSync(["systemd-analyze", "verify", "--man=no", file], { stderr: "pipe", stdout: "pipe" });
    const said = p.stderr.toString().split("\n").filter((l) => l.includes("edge-proxy.service"));
    expect(said).toEqual([]);
    expect(p.exitCode).toBe(0);
  });

  test("the unit runs unprivileged, may bind low ports, reloads with HUP and keeps dataDir in StateDirectory", () => {
    const unit = readFileSync(join(DEPLOY, "edge-proxy.service"), "utf8");
    for (const line of ["DynamicUser=yes", "AmbientCapabilities=CAP_NET_BIND_SERVICE", "ProtectSystem=strict", "StateDirectory=edge-proxy", "ExecReload=/bin/kill -HUP $MAINPID"]) {
      expect(unit).toContain(line);
    }
  });

  test("the Kubernetes ConfigMap's routes.json is valid and the Deployment uses --watch", async () => {
    const yaml = readFileSync(join(DEPLOY, "kubernetes/edge-proxy.yaml"), "utf8");
    const json = /routes\.json: \|\n((?: {4}.*\n)+)/.exec(yaml)![1]!.replace(/^ {4}/gm, "");
    const dir = tempDir();
    writeFileSync(join(dir, "routes.json"), json);
    const p = Bun.spawn([BINARY, "check", join(dir, "routes.json")], { stdout: "pipe", stderr: "pipe" });
    expect(await p.exited).toBe(0);
    expect(yaml).toContain('"--watch"');
    expect(yaml).toContain("readOnlyRootFilesystem: true");
  });
});
