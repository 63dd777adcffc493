/** Where a config's members keep their runtime overrides: <dataDir>/runtime-state.json, next to routes.json by default. */
import { resolve } from "node:path";
import type { Config } from "../config/schema.ts";
import type { EventLog } from "../log/events.ts";
import { Registry } from "../state/registry.ts";
import { fileStore } from "../state/overrides.ts";

/** The registry for a config: members persist their runtime overrides in <dataDir>/runtime-state.json. */
export function registryFor(config: Config, file: string, events: EventLog): Registry {
  const dataDir = resolve(resolve(file, ".."), config.dataDir);
  return new Registry(fileStore(resolve(dataDir, "runtime-state.json")), events);
}
