// What each leg is driven with. One wrk run per scenario per round.
export type Scenario = {
  id: string;
  label: string;
  path: "/small" | "/1m";
  connections: number;
  /**
   * HTTPS round: when routes.json `listeners[].tls` works in dist/proxy, add scenarios with
   * `tls: true` (e.g. { id: "tls-small-c50", label: "HTTPS 16 B c=50", path: "/small",
   * connections: 50, tls: true }) and give each leg a TLS listener in legs.ts (nginx
   * `listen ... ssl` + ssl_certificate, haproxy `bind ... ssl crt <pem>`, routes.json
   * `tls.certificates`). runner.ts skips tls scenarios until then, saying so.
   */
  tls: boolean;
};

export const SCENARIOS: Scenario[] = [
  { id: "small-c50", label: "16 B c=50", path: "/small", connections: 50, tls: false },
  { id: "small-c256", label: "16 B c=256", path: "/small", connections: 256, tls: false },
  { id: "1m-c20", label: "1 MiB c=20", path: "/1m", connections: 20, tls: false },
];
