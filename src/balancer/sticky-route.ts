/**
 * Where a sticky route comes from, byte for byte as Apache's mod_proxy_balancer
 * (mod_proxy_balancer find_session_route): the URL first, then the Cookie header; the route is
 * everything after the FIRST "." of the value, and a value without "." carries no route.
 */

/**
 * Value of cookie `name` in a Cookie header. The name is case-sensitive (Apache ignores
 * `routeid=` when looking for `ROUTEID`); it must start the header or follow `;`, `,` or
 * whitespace, whitespace may stand before its `=`, and the value ends at `;` or `,`. The first
 * occurrence with something after its `=` wins, as in Apache's get_cookie_param.
 */
export function cookieValue(header: string | null, name: string): string | undefined {
  if (!header || !name) return undefined;
  for (let at = header.indexOf(name); at !== -1; at = header.indexOf(name, at + 1)) {
    const before = at === 0 ? "" : header[at - 1]!;
    if (at !== 0 && before !== ";" && before !== "," && !/\s/.test(before)) continue;
    let eq = at + name.length;
    while (eq < header.length && /\s/.test(header[eq]!)) eq++;
    if (header[eq] !== "=" || eq + 1 === header.length) continue;
    const start = eq + 1;
    let end = start;
    while (end < header.length && header[end] !== ";" && header[end] !== ",") end++;
    return header.slice(start, end).trim();
  }
  return undefined;
}

/**
 * Value of a URL session parameter such as Tomcat's `;jsessionid=ABC.node1`, searched in the
 * path and query as received. Apache does a case-sensitive search for `name=`; we require it
 * to follow `;`, `?` or `&` so `xjsessionid=` does not count. The value ends at `?`, `&`, `;`,
 * `/` or `#` (routes never contain those; Apache only stops at `;` with scolonpathdelim, which
 * would just yield a route that names no member). An empty value does not count, so the
 * cookie decides (Apache's get_path_param skips a parameter with nothing after its `=`).
 */
export function urlParamValue(target: string, name: string): string | undefined {
  if (!name) return undefined;
  const needle = name + "=";
  for (let at = target.indexOf(needle); at !== -1; at = target.indexOf(needle, at + 1)) {
    const before = at === 0 ? "" : target[at - 1]!;
    if (before !== ";" && before !== "?" && before !== "&") continue;
    const start = at + needle.length;
    let end = start;
    while (end < target.length && !"?&;/#".includes(target[end]!)) end++;
    if (end > start) return target.slice(start, end);
  }
  return undefined;
}

/**
 * The route in a session value: everything after the first ".", so `abc.node2.x` gives
 * `node2.x` (Apache; nginx's documented map would take the last part). No "." or nothing
 * after it: no route, which is why the insert cookie is `ROUTEID=.<route>`.
 */
export function routeOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const dot = value.indexOf(".");
  if (dot === -1 || dot === value.length - 1) return undefined;
  return value.slice(dot + 1);
}

export interface StickySource {
  cookieName: string;
  mode: "insert" | "route-suffix";
}

export interface StickyRequest {
  /** The Cookie request header, null when absent. */
  cookie: string | null;
  /** Path and query as received (the URL may carry `;jsessionid=`). */
  target: string;
}

/**
 * The route a request asks for. In route-suffix mode the lower-cased cookie name as a URL
 * parameter wins over the cookie (Apache checks the URL first, as mod_proxy_balancer does).
 * In insert mode the proxy owns the cookie, so only the cookie counts.
 */
export function requestedRoute(src: StickySource, req: StickyRequest): string | undefined {
  if (src.mode === "route-suffix") {
    const fromUrl = urlParamValue(req.target, src.cookieName.toLowerCase());
    if (fromUrl !== undefined) return routeOf(fromUrl);
  }
  return routeOf(cookieValue(req.cookie, src.cookieName));
}
