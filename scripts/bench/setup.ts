// Tool discovery and installation for the benchmark: nginx, haproxy and wrk come from
// Debian packages; taskset (util-linux) is optional and only used for CPU pinning.

/** Absolute path of an executable on PATH (plus sbin dirs, where nginx/haproxy live), or null. */
export function which(name: string): string | null {
  const dirs = (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin", "/usr/local/sbin"]);
  for (const dir of dirs) {
    if (dir === "") continue;
    const p = `${dir}/${name}`;
    const r = Bun.spawnSync(["test", "-x", p]);
    if (r.exitCode === 0) return p;
  }
  return null;
}

function run(cmd: string[]): boolean {
  console.log(`$ ${cmd.join(" ")}`);
  const r = Bun.spawnSync(cmd, { stdout: "inherit", stderr: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  return r.exitCode === 0;
}

/** Installs the missing packages for the tools named; returns the tools still missing. */
export function ensureTools(tools: string[]): string[] {
  const missing = tools.filter((t) => which(t) === null);
  if (missing.length > 0) {
    // apt-get update only when an install is needed: it is slow and touches the network.
    run(["apt-get", "update"]);
    run(["apt-get", "install", "-y", "--no-install-recommends", ...missing]);
    stopSystemServices(missing);
  }
  return tools.filter((t) => which(t) === null);
}

/**
 * Debian packages may start nginx/haproxy as system services (unless policy-rc.d forbids
 * it, as in most containers). Those would compete for the two cores and, for nginx, hold
 * port 80; we run our own foreground copies, so stop the packaged ones.
 */
function stopSystemServices(pkgs: string[]): void {
  for (const svc of pkgs.filter((p) => p === "nginx" || p === "haproxy")) {
    const pidFile = `/run/${svc}.pid`;
    const r = Bun.spawnSync(["sh", "-c", `test -s ${pidFile} && kill -0 "$(cat ${pidFile})" 2>/dev/null`]);
    if (r.exitCode !== 0) continue;
    console.log(`stopping the ${svc} system service the package started`);
    if (!run(["service", svc, "stop"])) run(["sh", "-c", `kill "$(cat ${pidFile})"`]);
  }
}

/** First line of a tool's version output, for the report. */
export function toolVersion(cmd: string[]): string {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  const text = `${r.stdout.toString()}${r.stderr.toString()}`.trim();
  return text.split("\n")[0] ?? "";
}
