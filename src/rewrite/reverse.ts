/**
 * ProxyPassReverse: map upstream URLs in response headers back to the client-facing URL.
 *
 * Headers: `Location`, `Content-Location`, `URI` (what mod_proxy_http documents; its source
 * also maps `Destination`, but that is a WebDAV *request* header, so we leave it alone), and
 * `Set-Cookie` `Path=` / `Domain=` (ProxyPassReverseCookiePath / ...CookieDomain, nginx
 * proxy_cookie_path / proxy_cookie_domain). Everything is compiled once per route.
 * @module
 */

export interface ReverseInit {
  /** Absolute URL prefixes to map back: each member URL + rewritePrefix, plus reverseAlso. */
  upstreamPrefixes: string[];
  /** Client-facing route path prefix, e.g. "/apim-token" ("/" for root). */
  routePrefix: string;
  /** The rewritePrefix (or the route prefix when none): for Set-Cookie Path mapping. */
  upstreamPathPrefix: string;
  /** Member hostnames, for Set-Cookie Domain mapping. */
  memberHosts: string[];
  /**
   * The other routes' mappings (Apache applies every ProxyPassReverse of the vhost): each
   * upstream prefix with its route's client-facing prefix and route host. An entry applies when
   * its host could serve the client's Host (exact, `*.` wildcard, or host-less).
   */
  siblings?: Sibling[] | SiblingTable;
}

/** `ports`: the route's routes[].ports; undefined for a route every listener serves. */
export interface Sibling { upstreamPrefix: string; routePrefix: string; host?: string | undefined; ports?: readonly number[] | undefined }

interface Entry { path: string; routeBase: string; host: string | undefined; ports: ReadonlySet<number> | undefined }

/** Origin -> entries, longest path first. */
type Table = Map<string, Entry[]>;

/**
 * A vhost's mappings compiled once and shared by its routes (2,000 routes would otherwise each
 * build a table of 2,000). A route's own entry for the same URL wins a tie in compileReverse,
 * so the table may hold the route's own mappings too.
 */
export class SiblingTable {
  readonly table: Table;
  constructor(siblings: readonly Sibling[]) {
    this.table = buildTable(siblings.map((s) => [s.upstreamPrefix, trimSlash(s.routePrefix), s.host, s.ports]));
  }
}

function buildTable(rows: Iterable<[prefix: string, base: string, host: string | undefined, ports?: readonly number[] | undefined]>): Table {
  const table: Table = new Map();
  const seen = new Set<string>();
  for (const [prefix, base, host, ports] of rows) {
    const m = ABSOLUTE.exec(prefix);
    if (!m || !Object.hasOwn(DEFAULT_PORT, m[1]!.toLowerCase()) || /[?#]/.test(m[3]!)) {
      throw new Error(`reverse: "${prefix}" is not an http(s) URL prefix without query or fragment`);
    }
    const key = originKey(m[1]!, m[2]!);
    const path = trimSlash(m[3]!);
    const id = `${key} ${path} ${base} ${host ?? ""} ${ports?.join(",") ?? ""}`;
    if (seen.has(id)) continue;
    seen.add(id);
    let entries = table.get(key);
    if (!entries) table.set(key, (entries = []));
    entries.push({ path, routeBase: base, host, ports: ports && new Set(ports) });
  }
  for (const entries of table.values()) entries.sort((a, b) => b.path.length - a.path.length); // stable
  return table;
}

/** Whether a route's host (exact, "*.example.com", or none) could serve this client hostname. */
export function hostServes(routeHost: string | undefined, clientHost: string): boolean {
  if (routeHost === undefined) return true;
  const h = clientHost.toLowerCase();
  const r = routeHost.toLowerCase();
  return r.startsWith("*.") ? h.endsWith(r.slice(1)) && h.length > r.length - 1 : h === r;
}

function hostnameOf(hostHeader: string): string {
  return hostHeader.startsWith("[") ? hostHeader.slice(0, hostHeader.indexOf("]") + 1) : hostHeader.replace(/:\d*$/, "");
}

export interface ClientView {
  scheme: "http" | "https";
  /** Host header as received, with port if any. */
  host: string;
  /** The configured port of the listener it came in on: siblings of other ports' vhosts are not its. */
  port?: number | undefined;
}

/**
 * The scheme the client used: a trusted proxy's X-Forwarded-Proto (its first value, the one the
 * outermost proxy saw, as behind a TLS offloader), else the listener's own.
 */
export function clientScheme(listener: "http" | "https", trusted: boolean, forwardedProto: string | null | undefined): "http" | "https" {
  if (!trusted || !forwardedProto) return listener;
  const first = forwardedProto.split(",")[0]!.trim().toLowerCase();
  return first === "https" || first === "http" ? first : listener;
}

/**
 * Mutates `headers` in place. `line` maps one field line's value (name lower-case), undefined
 * when it stays: the engine rewrites the member's head line by line with it, so names keep
 * their case, fields their order, and repeated fields (two Location lines) stay apart.
 */
export type ReverseMapper = ((headers: Headers, client: ClientView) => void) & {
  line(name: string, value: string, client: ClientView): string | undefined;
};

const URL_HEADERS = ["location", "content-location", "uri"] as const;
const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s;
const DEFAULT_PORT: Record<string, string> = { http: "80", https: "443" };

/**
 * Apache compares scheme and host case-insensitively and drops default ports from member
 * URLs; we normalize both sides the same way, so `http://H:80/x` matches member `http://h`.
 * (Apache normalizes only the member side; a backend's explicit `:80` then fails to match.)
 */
function originKey(scheme: string, authority: string): string {
  const s = scheme.toLowerCase();
  let a = authority.toLowerCase();
  const port = /:(\d*)$/.exec(a); // an IPv6 literal ends in "]", so it never matches alone
  if (port && (port[1] === "" || port[1] === DEFAULT_PORT[s])) a = a.slice(0, port.index);
  return `${s}://${a}`;
}

/** Without a trailing slash: "/" becomes "", "/token/" becomes "/token". */
function trimSlash(path: string): string {
  return path.replace(/\/+$/, "");
}

/** Join a trimmed base with a remainder ("" or starting with / ? # ;) without doubling "/". */
function join(base: string, rest: string): string {
  if (rest === "") return base === "" ? "/" : base;
  return base === "" && rest[0] !== "/" ? `/${rest}` : base + rest;
}

// Apache has no boundary check, so `http://b` also maps `http://b2/...`. We require the
// prefix to end where a path segment ends: end of value, "/", "?", "#", or ";" (Tomcat's
// `;jsessionid=` path parameter, common in WSO2 Identity Server redirects).
function atBoundary(s: string, i: number): boolean {
  const c = s[i];
  return c === undefined || c === "/" || c === "?" || c === "#" || c === ";";
}

export function compileReverse(init: ReverseInit): ReverseMapper {
  // origin -> path prefixes, longest first (the longest matching prefix wins; Apache takes
  // the first rule in config order, which makes overlapping reverseAlso entries order-dependent).
  // The serving route's own entries come first, so they win a tie (the sort is stable).
  const routeBase = trimSlash(init.routePrefix);
  const own = buildTable(init.upstreamPrefixes.map((p) => [p, routeBase, undefined]));
  const siblings = init.siblings instanceof SiblingTable ? init.siblings.table : new SiblingTable(init.siblings ?? []).table;
  const upBase = trimSlash(init.upstreamPathPrefix);
  const hosts = new Set(init.memberHosts.map((h) => h.toLowerCase()));

  function best(table: Table, key: string, rest: string, clientHost: string, port: number | undefined): Entry | undefined {
    for (const e of table.get(key) ?? []) {
      if (rest.startsWith(e.path) && atBoundary(rest, e.path.length) && hostServes(e.host, clientHost) && (!e.ports || port === undefined || e.ports.has(port))) return e;
    }
    return undefined;
  }

  function mapUrl(value: string, origin: string, clientHost: string, port: number | undefined): string | undefined {
    const m = ABSOLUTE.exec(value);
    if (!m) return undefined; // relative references are left alone, as in Apache
    const key = originKey(m[1]!, m[2]!);
    const rest = m[3]!;
    // The longest matching prefix wins; the route's own mapping wins a tie.
    const mine = best(own, key, rest, clientHost, undefined);
    const other = best(siblings, key, rest, clientHost, port);
    const e = other !== undefined && (mine === undefined || other.path.length > mine.path.length) ? other : mine;
    return e === undefined ? undefined : origin + join(e.routeBase, rest.slice(e.path.length));
  }

  // Apache's ProxyPassReverseCookiePath replaces the *whole* path (`/app/sub` -> `/public`);
  // we map the prefix like nginx proxy_cookie_path, so `/token/sub` -> `/apim-token/sub` and
  // the cookie keeps the scope the application meant.
  function mapPath(path: string): string | undefined {
    if (path[0] !== "/") return undefined; // empty or odd Path: the browser's default applies
    if (path !== upBase && !path.startsWith(`${upBase}/`)) return undefined;
    // A root upstream's "/" is the whole upstream, so it becomes the bare route prefix:
    // `Path=/is` covers `/is` itself, `Path=/is/` would not.
    if (path === "/" && upBase === "") return join(routeBase, "");
    return join(routeBase, path.slice(upBase.length));
  }

  function mapCookie(cookie: string): string | undefined {
    const segs = cookie.split(";");
    let changed = false;
    let out = segs[0]!; // name=value: never an attribute, even for a cookie named "Path"
    for (let i = 1; i < segs.length; i++) {
      const seg = segs[i]!;
      const eq = seg.indexOf("=");
      const attr = eq < 0 ? "" : seg.slice(0, eq).trim().toLowerCase();
      const raw = seg.slice(eq + 1);
      const value = raw.trim();
      if (attr === "path") {
        const mapped = mapPath(value);
        if (mapped !== undefined && mapped !== value) {
          const at = raw.indexOf(value);
          out += `;${seg.slice(0, eq + 1)}${raw.slice(0, at)}${mapped}${raw.slice(at + value.length)}`;
          changed = true;
          continue;
        }
      } else if (attr === "domain" && hosts.has(value.replace(/^\./, "").toLowerCase())) {
        // A member's domain would make the browser drop the cookie; without Domain it is a
        // host-only cookie for the client-facing host, which is what the client talks to.
        changed = true;
        continue;
      }
      out += `;${seg}`;
    }
    return changed ? out : undefined;
  }

  const cookiesMayChange = routeBase !== upBase || hosts.size > 0;

  const line = (name: string, value: string, client: ClientView): string | undefined => {
    if (name === "set-cookie") return cookiesMayChange ? mapCookie(value) : undefined;
    return mapUrl(value, `${client.scheme}://${client.host}`, hostnameOf(client.host), client.port);
  };

  return Object.assign(function reverse(headers: Headers, client: ClientView) {
    const origin = `${client.scheme}://${client.host}`;
    const clientHost = hostnameOf(client.host);
    for (const name of URL_HEADERS) {
      const value = headers.get(name);
      if (value === null) continue;
      const mapped = mapUrl(value, origin, clientHost, client.port);
      if (mapped !== undefined) headers.set(name, mapped);
    }
    if (!cookiesMayChange) return;
    const cookies = headers.getSetCookie();
    if (cookies.length === 0) return;
    let changed = false;
    const next = cookies.map((c) => {
      const m = mapCookie(c);
      if (m === undefined) return c;
      changed = true;
      return m;
    });
    if (!changed) return;
    // Delete and re-append all, so the cookies keep their order and stay separate headers.
    headers.delete("set-cookie");
    for (const c of next) headers.append("set-cookie", c);
  }, { line });
}
