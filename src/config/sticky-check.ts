/**
 * Sticky set-ups that can never stick: in route-suffix mode the route is what the backend
 * appends to its session id (Tomcat `jvmRoute`), which the derived hex routes never match.
 * Without an explicit `route` or `sticky.learn`, every request is balanced anew, silently.
 */
import type { Config } from "./schema.ts";

export function unstickableWarnings(config: Config): string[] {
  const out: string[] = [];
  for (const [name, pool] of Object.entries(config.pools)) {
    const sticky = pool.sticky;
    if (!sticky || sticky.mode !== "route-suffix" || sticky.learn !== false) continue;
    pool.members.forEach((m, i) => {
      if (m.route === undefined) {
        out.push(`pools.${name}.members[${i}]: no "route" and sticky.learn is false, so ${sticky.cookie} sessions never stick to it; set "route" to its jvmRoute or remove "learn": false`);
      }
    });
  }
  return out;
}
