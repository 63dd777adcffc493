/**
 * Which route serves a request.
 * Host first (exact name, then the longest `*.suffix` wildcard, then routes without host),
 * and within the most specific host that has a matching path, the longest path prefix at a
 * segment boundary (NGINX's longest-prefix `location`, not Apache's first-match order).
 */
export interface Routable { host?: string | undefined; path: string }

interface Bucket<R> { routes: R[] }

export class Router<R extends Routable> {
  readonly #exact = new Map<string, Bucket<R>>();
  readonly #wildcards: { suffix: string; bucket: Bucket<R> }[] = [];
  readonly #any: Bucket<R> = { routes: [] };

  constructor(routes: readonly R[]) {
    for (const r of routes) this.#bucketFor(r.host).routes.push(r);
    const byLength = (a: R, b: R) => b.path.length - a.path.length;
    for (const b of this.#exact.values()) b.routes.sort(byLength);
    for (const w of this.#wildcards) w.bucket.routes.sort(byLength);
    this.#any.routes.sort(byLength);
    this.#wildcards.sort((a, b) => b.suffix.length - a.suffix.length);
  }

  /** Every route, in no particular order (for start-up summaries and limits). */
  *routes(): Iterable<R> {
    for (const b of this.#exact.values()) yield* b.routes;
    for (const w of this.#wildcards) yield* w.bucket.routes;
    yield* this.#any.routes;
  }

  /** `host` is lower-case without port; `path` is normalized, without query. */
  match(host: string, path: string): R | undefined {
    const exact = this.#exact.get(host);
    if (exact) {
      const r = longestPrefix(exact.routes, path);
      if (r) return r;
    }
    for (const w of this.#wildcards) {
      // `*.example.com` matches one or more labels before `.example.com`, never the bare name.
      if (host.length > w.suffix.length && host.endsWith(w.suffix)) {
        const r = longestPrefix(w.bucket.routes, path);
        if (r) return r;
      }
    }
    return longestPrefix(this.#any.routes, path);
  }

  #bucketFor(host: string | undefined): Bucket<R> {
    if (host === undefined) return this.#any;
    const h = host.toLowerCase();
    if (h.startsWith("*.")) {
      const suffix = h.slice(1);
      let w = this.#wildcards.find((x) => x.suffix === suffix);
      if (!w) this.#wildcards.push((w = { suffix, bucket: { routes: [] } }));
      return w.bucket;
    }
    let b = this.#exact.get(h);
    if (!b) this.#exact.set(h, (b = { routes: [] }));
    return b;
  }
}

function longestPrefix<R extends Routable>(routes: readonly R[], path: string): R | undefined {
  for (const r of routes) if (prefixMatches(r.path, path)) return r;
  return undefined;
}

/** `/apim-t` matches `/apim-t` and `/apim-t/x`, never `/apim-token`. */
export function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === "/" || prefix === path) return true;
  if (!path.startsWith(prefix)) return false;
  return prefix.endsWith("/") || path.charCodeAt(prefix.length) === 47; // "/"
}
