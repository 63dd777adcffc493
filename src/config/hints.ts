/**
 * Apache httpd (mod_proxy, mod_proxy_balancer) and NGINX (ngx_http_upstream, ngx_http_proxy)
 * words that operators carry over from those configs, mapped to the routes.json field that
 * does the same job, so "unknown field" can say what to write instead.
 */
const HINTS = new Map<string, string>(Object.entries({
  // Apache BalancerMember parameters and ProxyPass / <Proxy balancer://> settings.
  loadfactor: "weight (1..100, on the member)",
  lbfactor: "weight (1..100, on the member)",
  lbmethod: 'method ("byrequests", "bytraffic", "bybusyness" or "iphash", on the pool)',
  stickysession: 'sticky: { "cookie": "JSESSIONID", "mode": "route-suffix" } (on the pool)',
  nofailover: "sticky.failover: false",
  jvmroute: "route (on the member)",
  status: 'state ("active", "drain", "disabled") or standby: true (Apache status=+H)',
  hot_standby: "standby: true (on the member)",
  retry: "health.passive.ejectFor (on the pool)",
  connectiontimeout: "timeouts.connect",
  timeout: "timeouts.response (until the response head) or timeouts.connect",
  proxypass: "routes[] with path and pool",
  proxypassreverse: "reverse (on by default) and reverseAlso on the route",
  proxypreservehost: "preserveHost (on the route, default true)",
  ping: "health.active (on the pool)",
  // NGINX upstream server parameters and proxy_* directives.
  backup: "standby: true (on the member)",
  down: 'state: "disabled" (on the member)',
  max_fails: "health.passive.maxFails (on the pool)",
  fail_timeout: "health.passive.window and health.passive.ejectFor (on the pool)",
  ip_hash: 'method: "iphash" (on the pool)',
  least_conn: 'method: "bybusyness" (on the pool)',
  server: "members[] with url (on the pool)",
  servers: "members (on the pool)",
  upstream: "pool (on the route) and pools at the top level",
  proxy_pass: "pool (on the route)",
  proxy_connect_timeout: "timeouts.connect",
  proxy_read_timeout: "timeouts.response (until the response head) and timeouts.idle (between body chunks)",
  proxy_send_timeout: "timeouts.idle",
  proxy_next_upstream_tries: "retries (on the pool)",
  proxy_set_header: "requestHeaders.set (on the route)",
  add_header: "responseHeaders.add (on the route)",
  proxy_ssl_verify: "tls.verify (on the pool)",
  client_max_body_size: "maxBodySize (on the route)",
  listen: "listeners[] with port and host",
  server_name: "host (on the route)",
  location: "path (on the route)",
  ssl_certificate: "tls.certificates[].cert (on the listener)",
  ssl_certificate_key: "tls.certificates[].key (on the listener)",
  // Near-misses of our own names.
  member: "members",
  weights: "weight",
  hostname: "host",
  prefix: "path",
  rewrite: "rewritePrefix",
}));

/** The field to use instead of `field`, or undefined when the word means nothing to us. */
export function fieldHint(field: string): string | undefined {
  const key = field.toLowerCase().replace(/-/g, "_");
  // A Map, not an object lookup: "__proto__" or "constructor" must not find Object.prototype's.
  return HINTS.get(key) ?? HINTS.get(key.replace(/_/g, ""));
}
