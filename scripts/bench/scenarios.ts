// What each leg is driven with. One wrk run per scenario per round.
export type Scenario = {
  id: string;
  label: string;
  path: "/small" | "/1m";
  connections: number;
  /**
   * HTTPS round: wrk talks TLS to the leg's second listener (legs.ts: nginx `listen ... ssl`,
   * haproxy `bind ... ssl crt`, routes.json `tls.certificates`; certificates from certs.ts),
   * keep-alive as in every scenario; the upstreams stay plain HTTP. "x nginx" compares with
   * NGINX's HTTPS figure of the same scenario.
   */
  tls: boolean;
};

export const SCENARIOS: Scenario[] = [
  { id: "small-c50", label: "16 B c=50", path: "/small", connections: 50, tls: false },
  { id: "small-c256", label: "16 B c=256", path: "/small", connections: 256, tls: false },
  { id: "1m-c20", label: "1 MiB c=20", path: "/1m", connections: 20, tls: false },
  { id: "tls-small-c50", label: "HTTPS 16 B c=50", path: "/small", connections: 50, tls: true },
  { id: "tls-small-c256", label: "HTTPS 16 B c=256", path: "/small", connections: 256, tls: true },
];
