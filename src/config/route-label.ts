/**
 * A route's label in logs, metrics and the admin API: routes[].name, else `<host or *><path>`
 * ("sso.example.com/apim-token", "*\/"), with `:<ports>` after the host for a route that serves
 * only some listener ports ("*:8443/api"), so that the same host and path on two ports stay apart.
 */
export function routeLabel(r: { name?: unknown; host?: unknown; path?: unknown; ports?: unknown }): string {
  if (typeof r.name === "string") return r.name;
  const ports = Array.isArray(r.ports) && r.ports.length > 0 ? `:${r.ports.join(",")}` : "";
  return `${typeof r.host === "string" ? r.host : "*"}${ports}${typeof r.path === "string" ? r.path : "/"}`;
}
