/** Entry point of `dist/proxy`: argv -> subcommand. The only place that calls process.exit. */
import { parseArgs } from "node:util";
import { HELP } from "./cli/help.ts";
import { runCheck, type Io } from "./cli/check.ts";
import { runServe } from "./cli/serve.ts";
import { runDemo } from "./cli/demo.ts";
import { runSchema } from "./cli/schema.ts";
import { usageError } from "./cli/args.ts";
import { VERSION } from "./version.ts";

const io: Io = { out: (s) => console.log(s), err: (s) => console.error(s) };

/** Subcommands by their first word; each parses its own arguments and answers --help. */
const COMMANDS: Record<string, (args: string[], io: Io) => number | Promise<number>> = {
  check: runCheck,
  schema: runSchema,
  cert: async (args, io) => (await import("./cli/cert.ts")).runCert(args, io),
  import: async (args, io) => (await import("./cli/import.ts")).runImport(args, io),
  token: async (args, io) => (await import("./cli/token.ts")).runToken(args, io),
  help: () => (io.out(HELP), 0),
};

/** Options of serving (no subcommand). */
const SERVE_OPTIONS = {
  routes: { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

async function main(args: string[]): Promise<number> {
  const command = args[0] !== undefined ? COMMANDS[args[0]] : undefined;
  if (command && Object.hasOwn(COMMANDS, args[0]!)) return command(args.slice(1), io);
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
  if (values.routes !== undefined) return runServe(values.routes, io);
  return runDemo(io, undefined, values.quiet);
}

// A bug must not print Bun's minified source and a stack trace at the operator: one line, exit 70 (EX_SOFTWARE).
process.exit(await main(process.argv.slice(2)).catch((e: Error) => (io.err(`edge-proxy: internal error: ${e.message} (please report this)`), 70)));
