/**
 * A balancer's own parameters: ProxySet in (or naming) `<Proxy balancer://x>`, and every
 * `ProxyPass ... balancer://x/ key=value`. httpd's add_pass hands a balancer ProxyPass's
 * parameters to set_balancer_param: they belong to the balancer, so they apply to every
 * ProxyPass that uses it, and a later one replaces an earlier value for all of them.
 */
import type { Node } from "./report.ts";
import { findBalancer, params, type Balancer } from "./apache-model.ts";
import type { PoolUse } from "./apache-balancer.ts";

/** set_balancer_param's keys that carry over (timeout is reported: it is not a member timeout). */
const CARRIED = new Set(["lbmethod", "stickysession", "nofailover", "maxattempts", "scolonpathdelim"]);
/** What httpd 2.4 accepts on a balancer but routes.json has no equivalent for. */
const OTHER = new Set(["stickysessionsep", "growth", "forcerecovery", "failonstatus", "failontimeout", "nonce"]);

export interface BalancerParams { p: Map<string, string>; from: Map<string, Node> }

export function balancerParams(b: Balancer, use: PoolUse): BalancerParams {
  const { model, report } = use;
  const sources = b.paramNodes.map((n) => ({ params: params(n.args), node: n }));
  for (const s of [model.main, ...model.vhosts]) {
    for (const pass of s.passes) {
      const m = /^balancer:\/\/([^/]*)/i.exec(pass.target);
      if (m && findBalancer(model, s, m[1]!) === b) sources.push({ params: pass.params, node: pass.node });
    }
  }
  const p = new Map<string, string>();
  const from = new Map<string, Node>();
  for (const { params: ps, node } of sources) {
    for (const [k, v] of ps) {
      const earlier = from.get(k);
      if (earlier && p.get(k) !== v) report.note(node, `${k}=${v} replaces ${k}=${p.get(k)} (${earlier.loc.file}:${earlier.loc.line}) for every ProxyPass to balancer://${b.name}: httpd sets it on the balancer, not the route`);
      p.set(k, v);
      from.set(k, node);
    }
  }
  for (const [k, v] of p) {
    const at = from.get(k)!;
    if (CARRIED.has(k)) continue;
    p.delete(k);
    if (k === "timeout") report.skip(at, `timeout=${v} on a balancer is how long httpd waits for a free member, not a member timeout; routes.json has no such wait, so the members keep Timeout/ProxyTimeout (give BalancerMember ... timeout= for a member timeout)`);
    else if (OTHER.has(k)) report.skip(at, `balancer parameter ${k} is not converted`);
    else report.skip(at, `${k}= is not a balancer parameter: httpd refuses it ("unknown Balancer parameter"); give it on each BalancerMember`);
  }
  return { p, from };
}
