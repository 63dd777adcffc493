/**
 * Path normalization before routing, so a route's rules see the path the upstream will act on:
 * `/is-samlsso/../balancer-manager` is `/balancer-manager` (RFC 3986 5.2.4 remove_dot_segments).
 * `%2e` is decoded first because upstreams (Tomcat, Apache) decode it and would then resolve the
 * dot segment themselves, past the proxy's checks. Every other byte is kept as received (`%2F`
 * stays encoded), and runs of `/` are merged, as NGINX's merge_slashes does. A segment whose
 * part before `;` is a dot segment (`..;x`) counts as one too: Tomcat strips path parameters
 * before resolving dots, so `/app/..;/admin` reaches it as `/admin`.
 */
export function normalizePath(raw: string): string {
  let path = raw;
  if (path.includes("%")) path = path.replace(/%2e/gi, ".");
  if (!path.includes("/.") && !path.includes("//")) return path;
  const dots = (seg: string) => {
    const semi = seg.indexOf(";");
    return semi < 0 ? seg : seg.slice(0, semi);
  };
  const out: string[] = [];
  const segments = path.split("/");
  for (let i = 1; i < segments.length; i++) {
    const s = dots(segments[i]!);
    const last = i === segments.length - 1;
    if (s === "..") {
      out.pop();
      if (last) out.push("");
    } else if (s === ".") {
      if (last) out.push("");
    } else if (s === "" && !last && segments[i] === "") {
      continue; // merge "//"
    } else {
      out.push(segments[i]!);
    }
  }
  return "/" + out.join("/");
}

/**
 * Characters an upstream decodes into something that changes what the path means: the
 * unreserved set (RFC 3986 2.3, equivalent encoded or not, 6.2.2.2) and `;` (a path parameter
 * once decoded). `%2F` and `%5C` are not decoded: a path holding them is refused (404) unless
 * its route allows them as they are (Apache's AllowEncodedSlashes Off / NoDecode).
 */
const DECODE_FOR_MATCH = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~;") DECODE_FOR_MATCH[c.charCodeAt(0)] = 1;
const ENCODED_SLASH = /%(2f|5c)/i;

/** `%2F` or `%5C` (any case) in a raw path: 404 unless the route sets allowEncodedSlashes. */
export function hasEncodedSlash(raw: string): boolean {
  return raw.includes("%") && ENCODED_SLASH.test(raw);
}
const NEEDS_CANONICAL = /[%;\\#]/;
const INVALID_PATH = /#|%00|%(?![0-9A-Fa-f]{2})/;

/**
 * The path routes are matched against: what the upstream will make of the request, so that no
 * spelling (`/%62alancer-manager`, `/balancer-manager;x`, `/x/..%2fbalancer-manager`) reaches a
 * path the proxy never checked. Path parameters are dropped (Tomcat ignores them when mapping),
 * `\` counts as `/`, and a fragment, an encoded NUL or a malformed `%` makes the path invalid
 * (undefined: 400).
 * The path sent upstream stays normalizePath(raw), encoded as received.
 */
export function matchPath(raw: string): string | undefined {
  if (!NEEDS_CANONICAL.test(raw)) return normalizePath(raw);
  // Clients never send fragments (RFC 9110 7.1). A `%` without two hex digits after it is no
  // encoding at all (RFC 3986 2.1): NGINX and Apache answer 400, and members' decoders disagree.
  if (INVALID_PATH.test(raw)) return undefined;
  let p = raw.replace(/%([0-9A-Fa-f]{2})/g, (m, hex: string) => {
    const c = parseInt(hex, 16);
    return DECODE_FOR_MATCH[c] ? String.fromCharCode(c) : m;
  });
  if (p.includes("\\")) p = p.replaceAll("\\", "/");
  if (p.includes(";")) p = p.split("/").map((seg) => seg.split(";", 1)[0]).join("/");
  return normalizePath(p);
}
