/** What every subcommand says when node:util parseArgs rejects its arguments. */
import type { Io } from "./check.ts";

export function usageError(e: unknown, help: string, io: Io): number {
  io.err(`${(e as Error).message}\n\n${help}`);
  return 2;
}
