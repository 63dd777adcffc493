/** Entry point of `dist/proxy`: argv -> subcommand. The only place that calls process.exit. */
import { HELP } from "./cli/help.ts";
import { loadRuntime, runCheck, type Io } from "./cli/check.ts";
import { runServe } from "./cli/serve.ts";
import { runDemo } from "./cli/demo.ts";
import { VERSION } from "./version.ts";
import { runSupervisor, workerCount, WORKER_ENV } from "./cli/workers.ts";
import { stderrEvents } from "./log/events.ts";

const io: Io = { out: (s) => console.log(s), err: (s) => console.error(s) };

async function main(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  if (first === "--help" || first === "-h" || first === "help") return io.out(HELP), 0;
  if (first === "--version" || first === "-v") return io.out(`edge-proxy ${VERSION}`), 0;
  if (first === "check") return runCheck(rest, io);
  if (first === "cert") {
    const { runCert } = await import("./cli/cert.ts");
    return runCert(rest, io);
  }
  if (first === undefined) return runDemo(io);
  if (first === "--routes" || first.startsWith("--routes=")) {
    const file = first.includes("=") ? first.slice("--routes=".length) : rest.shift();
    if (!file) return io.err("--routes needs a file: proxy --routes routes.json"), 2;
    const userAt = rest.indexOf("--user");
    const user = userAt >= 0 ? rest.splice(userAt, 2)[1] : undefined;
    if (userAt >= 0 && !user) return io.err("--user needs a user name: proxy --routes routes.json --user nobody"), 2;
    const workersAt = rest.indexOf("--workers");
    const workersSpec = workersAt >= 0 ? rest.splice(workersAt, 2)[1] : undefined;
    const workers = workersSpec === undefined ? undefined : workerCount(workersSpec);
    if (workersAt >= 0 && workers === undefined) return io.err(`--workers: expected a number 1..256 or auto, got ${JSON.stringify(workersSpec ?? "")}`), 2;
    const flags = { watch: rest.includes("--watch"), user };
    const unknown = rest.filter((a) => a !== "--watch");
    if (unknown.length) return io.err(`unknown argument ${JSON.stringify(unknown[0])}\n\n${HELP}`), 2;
    // The supervisor binds nothing; its workers (same argv, role in the environment) do.
    if (workers !== undefined && process.env[WORKER_ENV] === undefined) {
      // Validated once here: a bad file must not become N workers crash-looping.
      const rt = await loadRuntime(file, io);
      if (!rt) return 1;
      rt.close();
      return runSupervisor(workers, stderrEvents);
    }
    return runServe(file, io, flags);
  }
  io.err(`unknown argument ${JSON.stringify(first)}\n\n${HELP}`);
  return 2;
}

process.exit(await main(process.argv.slice(2)));
