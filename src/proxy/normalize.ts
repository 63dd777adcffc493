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

/** Splits a request URL (absolute, as Bun gives it) into the raw path and the query with its "?". */
export function splitTarget(url: string): { path: string; query: string } {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return { path: "/", query: "" };
  const q = url.indexOf("?", start);
  return q < 0 ? { path: url.slice(start), query: "" } : { path: url.slice(start, q), query: url.slice(q) };
}
