/** Entry point of `dist/proxy`: argv -> subcommand. The only place that calls process.exit. */
import { parseArgs } from "node:util";
import { HELP } from "./cli/help.ts";
import { loadRuntime, reportAllProblems, runCheck, type Io } from "./cli/check.ts";
import { eventIo, runServe } from "./cli/serve.ts";
import { runDemo } from "./cli/demo.ts";
import { usageError } from "./cli/args.ts";
import { VERSION } from "./version.ts";
import { runSupervisor, workerCount, WORKER_ENV } from "./cli/workers.ts";
import { configureEvents, stderrEvents } from "./log/events.ts";
import { RunningConfig } from "./cli/worker-config.ts";
import { readConfigText } from "./config/load.ts";

const io: Io = { out: (s) => console.log(s), err: (s) => console.error(s) };

/** Subcommands by their first word; each parses its own arguments and answers --help. */
const COMMANDS: Record<string, (args: string[], io: Io) => number | Promise<number>> = {
  check: runCheck,
  // Loaded when asked: the JSON Schema converter and the embedded docs/configuration.md are not serving.
  schema: async (args, io) => (await import("./cli/schema.ts")).runSchema(args, io),
  cert: async (args, io) => (await import("./cli/cert.ts")).runCert(args, io),
  import: async (args, io) => (await import("./cli/import.ts")).runImport(args, io),
  token: async (args, io) => (await import("./cli/token.ts")).runToken(args, io),
  help: () => (io.out(HELP), 0),
};

/** Options of serving (no subcommand). */
const SERVE_OPTIONS = {
  routes: { type: "string" },
  watch: { type: "boolean" },
  workers: { type: "string" },
  user: { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

async function main(args: string[]): Promise<number> {
  const command = args[0] !== undefined ? COMMANDS[args[0]] : undefined;
  // Subcommands are no start-up: the normal JIT policy (scripts/build.ts makes it reluctant at start).
  if (command && Object.hasOwn(COMMANDS, args[0]!)) return Bun.unsafe.setJITPolicy(1), command(args.slice(1), io);
  if (args[0] !== undefined && !args[0].startsWith("-")) return usageError(new Error(`unknown command ${JSON.stringify(args[0])}`), HELP, io);
  let values;
  try {
    ({ values } = parseArgs({ args, options: SERVE_OPTIONS, strict: true }));
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && args.includes("--routes")) return io.err("--routes needs a file: proxy --routes routes.json"), 2;
    return usageError(e, HELP, io);
  }
  if (values.help) return io.out(HELP), 0;
  if (values.version) return io.out(`edge-proxy ${VERSION}`), 0;
  if (values.routes === "") return io.err("--routes needs a file: proxy --routes routes.json"), 2;
  if (values.routes === undefined) {
    if (values.watch || values.user !== undefined || values.workers !== undefined) return io.err("--watch, --user and --workers need --routes FILE"), 2;
    return runDemo(io, undefined, values.quiet);
  }
  const file = values.routes;
  if (values.user === "") return io.err("--user needs a user name: proxy --routes routes.json --user nobody"), 2;
  const workers = values.workers === undefined ? undefined : workerCount(values.workers);
  if (values.workers !== undefined && workers === undefined) return io.err(`--workers: expected a number 1..256 or auto, got ${JSON.stringify(values.workers)}`), 2;
  // The supervisor binds nothing; its workers (same argv, role in the environment) do.
  if (workers !== undefined && process.env[WORKER_ENV] === undefined) {
    // Validated once here, as fully as `proxy check` does (certificates, the access log, the
    // admin's keys): a bad file must not become N workers crash-looping. The supervisor's
    // lines share the workers' stderr, so they take routes.json's eventLog format too.
    const report = eventIo(file, io);
    let text = "";
    let failure = "";
    const rt = await loadRuntime(file, { out: () => {}, err: (m) => (failure = m) }, undefined, async (f) => (text = await readConfigText(f)));
    if (text === "") return report.err(failure), 1;
    // The workers bind with SO_REUSEPORT and skip the port probe: without it here, a second
    // --workers instance would share the ports with the first instead of being refused.
    if ((await reportAllProblems(file, text, failure, report)) || !rt) return rt?.close(), 1;
    configureEvents(rt.config.eventLog);
    rt.close();
    const admin = rt.config.admin;
    return runSupervisor(workers, stderrEvents, new RunningConfig(text), admin && { listen: admin.listen, auth: admin.auth !== undefined });
  }
  return runServe(file, io, { watch: values.watch === true, user: values.user });
}

// A bug must not print Bun's minified source and a stack trace at the operator: one line, exit 70 (EX_SOFTWARE).
process.exit(await main(process.argv.slice(2)).catch((e: Error) => (io.err(`edge-proxy: internal error: ${e.message} (please report this)`), 70)));
