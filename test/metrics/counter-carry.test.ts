import { describe, expect, test } from "bun:test";
import { CounterCarry, countersOnly } from "../../src/metrics/counter-carry.ts";
import { sumExposition } from "../../src/metrics/sum-exposition.ts";

/** A worker's page: a counter, a histogram's count and an in-flight gauge. */
const page = (requests: number, inFlight: number) => `# HELP edge_proxy_requests_total Requests.
# TYPE edge_proxy_requests_total counter
edge_proxy_requests_total{route="/"} ${requests}
# HELP edge_proxy_request_duration_seconds Durations.
# TYPE edge_proxy_request_duration_seconds histogram
edge_proxy_request_duration_seconds_count{route="/"} ${requests}
# HELP edge_proxy_member_in_flight In flight.
# TYPE edge_proxy_member_in_flight gauge
edge_proxy_member_in_flight{member="a"} ${inFlight}
`;

const sample = (text: string, name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
const sum = (carry: CounterCarry, answers: [number, number | undefined, string][], missing: number[] = []) =>
  sumExposition(carry.pages(answers.map(([index, pid, p]) => ({ index, pid, page: p })), missing));

describe("counters summed over --workers", () => {
  test("a worker that restarts (a new pid) counts from 0, and the sum still does not fall", () => {
    const carry = new CounterCarry();
    expect(sample(sum(carry, [[0, 100, page(40, 3)], [1, 101, page(60, 2)]]), "edge_proxy_requests_total")).toBe(100);
    const after = sum(carry, [[0, 100, page(45, 1)], [1, 202, page(2, 1)]]);
    expect(sample(after, "edge_proxy_requests_total")).toBe(107);
    expect(sample(after, "edge_proxy_request_duration_seconds_count")).toBe(107);
    expect(sample(after, "edge_proxy_member_in_flight")).toBe(2); // gauges are never carried
  });

  test("restarts add up, and a worker that misses a scrape counts with its last counters, not its gauges", () => {
    const carry = new CounterCarry();
    sum(carry, [[0, 100, page(10, 0)], [1, 101, page(20, 5)]]);
    const missed = sum(carry, [[0, 100, page(12, 0)]], [1]);
    expect([sample(missed, "edge_proxy_requests_total"), sample(missed, "edge_proxy_member_in_flight")]).toEqual([32, 0]);
    sum(carry, [[0, 100, page(12, 0)], [1, 303, page(4, 0)]]);
    const twice = sum(carry, [[0, 404, page(1, 0)], [1, 303, page(6, 0)]]);
    expect(sample(twice, "edge_proxy_requests_total")).toBe(12 + 20 + 1 + 6);
  });

  test("reloads, which every worker counts alike, go on counting when every worker has restarted: each new worker continues its predecessor's count", () => {
    const reloads = (n: number) => `# HELP edge_proxy_config_reloads_total Reloads.\n# TYPE edge_proxy_config_reloads_total counter\nedge_proxy_config_reloads_total{result="success"} ${n}\n`;
    const carry = new CounterCarry();
    const at = (answers: [number, number | undefined, string][]) => sample(sum(carry, answers), "edge_proxy_config_reloads_total");
    expect(at([[0, 100, reloads(3)], [1, 101, reloads(3)]])).toBe(3);
    expect(at([[0, 200, reloads(0)], [1, 201, reloads(0)]])).toBe(3); // both restarted
    expect(at([[0, 200, reloads(2)], [1, 201, reloads(2)]])).toBe(5); // two more reloads (was stuck at 3)
    expect(at([[0, 300, reloads(1)], [1, 201, reloads(3)]])).toBe(6); // worker 0 restarted again, one more reload
  });

  test("a worker never seen before adds nothing while it is missing", () => {
    const carry = new CounterCarry();
    expect(sample(sum(carry, [[0, 100, page(7, 0)]], [1]), "edge_proxy_requests_total")).toBe(7);
  });

  test("countersOnly keeps counter and histogram families with their HELP and TYPE, drops gauges", () => {
    expect(countersOnly(page(3, 9))).toBe(`# HELP edge_proxy_requests_total Requests.
# TYPE edge_proxy_requests_total counter
edge_proxy_requests_total{route="/"} 3
# HELP edge_proxy_request_duration_seconds Durations.
# TYPE edge_proxy_request_duration_seconds histogram
edge_proxy_request_duration_seconds_count{route="/"} 3
`);
    expect(countersOnly("# TYPE g gauge\ng 1\n")).toBe("");
  });
});
