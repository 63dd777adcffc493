// Test helper: a compiled Runtime from a config object, rooted in a temp dir, plus event capture.
import { join } from "node:path";
import { compile } from "../../src/config/compile.ts";
import { parseConfigText } from "../../src/config/load.ts";
import type { Runtime } from "../../src/config/runtime.ts";
import type { EventLog } from "../../src/log/events.ts";

export function runtimeIn(dir: string, config: object): Runtime {
  const file = join(dir, "routes.json");
  return compile(parseConfigText(JSON.stringify(config), file), { file });
}

export function tlsConfig(tls: object, extra: object = {}): object {
  return { listeners: [{ port: 0, host: "127.0.0.1", tls }], pools: {}, routes: [{ path: "/", respond: { status: 200, body: "ok" } }], ...extra };
}

export function captureEvents(): { events: EventLog; lines: string[] } {
  const lines: string[] = [];
  return { events: (level, msg) => lines.push(`${level} ${msg}`), lines };
}
