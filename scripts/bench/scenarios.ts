// What each leg is driven with. One wrk run per scenario per round.
export type Scenario = {
  id: string;
  label: string;
  /** "/s/small" goes to the pool of https:// members (legs.ts), the rest to the plain one. */
  path: "/small" | "/1m" | "/s/small";
  connections: number;
  /** POST with a 1 KiB body (wrk -s with the bench's post.lua), else GET. */
  post: boolean;
  /**
   * HTTPS round: wrk talks TLS to the leg's second listener (legs.ts: nginx `listen ... ssl`,
   * haproxy `bind ... ssl crt`, routes.json `tls.certificates`; certificates from certs.ts),
   * keep-alive as in every scenario. "x nginx" compares with NGINX's figure of the same scenario.
   */
  tls: boolean;
};

/** Whether the scenario's requests go to the https:// members. */
export const toHttpsMembers = (s: Scenario): boolean => s.path === "/s/small";
/** A scenario that needs the bench certificates (an HTTPS listener or https:// members). */
export const needsCerts = (s: Scenario): boolean => s.tls || toHttpsMembers(s);

export const SCENARIOS: Scenario[] = [
  { id: "small-c50", label: "16 B c=50", path: "/small", connections: 50, post: false, tls: false },
  { id: "small-c256", label: "16 B c=256", path: "/small", connections: 256, post: false, tls: false },
  { id: "post-c50", label: "POST 1 KiB c=50", path: "/small", connections: 50, post: true, tls: false },
  { id: "1m-c20", label: "1 MiB c=20", path: "/1m", connections: 20, post: false, tls: false },
  { id: "tls-small-c50", label: "HTTPS 16 B c=50", path: "/small", connections: 50, post: false, tls: true },
  { id: "tls-small-c256", label: "HTTPS 16 B c=256", path: "/small", connections: 256, post: false, tls: true },
  { id: "tls-post-c50", label: "HTTPS POST 1K c=50", path: "/small", connections: 50, post: true, tls: true },
  { id: "members-tls-c50", label: "https:// members c=50", path: "/s/small", connections: 50, post: false, tls: false },
];
