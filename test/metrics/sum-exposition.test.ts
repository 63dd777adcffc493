import { describe, expect, test } from "bun:test";
import { sumExposition } from "../../src/metrics/sum-exposition.ts";

const page = (requests: number, inFlight: number, up: number, generation: number, extra = "") => `# HELP edge_proxy_requests_total Requests answered.
# TYPE edge_proxy_requests_total counter
edge_proxy_requests_total{route="r",code="200"} ${requests}
${extra}# HELP edge_proxy_request_duration_seconds Time.
# TYPE edge_proxy_request_duration_seconds histogram
edge_proxy_request_duration_seconds_bucket{route="r",le="0.1"} ${requests}
edge_proxy_request_duration_seconds_bucket{route="r",le="+Inf"} ${requests}
edge_proxy_request_duration_seconds_sum{route="r"} 0.25
edge_proxy_request_duration_seconds_count{route="r"} ${requests}
# HELP edge_proxy_member_in_flight In flight.
# TYPE edge_proxy_member_in_flight gauge
edge_proxy_member_in_flight{member="m"} ${inFlight}
# HELP edge_proxy_member_up Up.
# TYPE edge_proxy_member_up gauge
edge_proxy_member_up{member="m"} ${up}
# HELP edge_proxy_config_generation Generation.
# TYPE edge_proxy_config_generation gauge
edge_proxy_config_generation ${generation}
`;

describe("sumExposition", () => {
  test("counters, histogram series and in-flight gauges add; member_up is the lowest; other gauges are the first worker's", () => {
    const out = sumExposition([page(3, 1, 1, 2), page(4, 2, 0, 1)]);
    const lines = out.split("\n");
    for (const line of [
      'edge_proxy_requests_total{route="r",code="200"} 7',
      'edge_proxy_request_duration_seconds_bucket{route="r",le="+Inf"} 7',
      'edge_proxy_request_duration_seconds_sum{route="r"} 0.5',
      'edge_proxy_member_in_flight{member="m"} 3',
      'edge_proxy_member_up{member="m"} 0',
      "edge_proxy_config_generation 2",
    ]) expect(lines).toContain(line);
  });

  test("a reload happens to every worker at once: config_reloads_total is the highest count, not the sum", () => {
    const reloads = (n: number) => `# HELP edge_proxy_config_reloads_total Reloads.\n# TYPE edge_proxy_config_reloads_total counter\nedge_proxy_config_reloads_total{result="success"} ${n}\n`;
    expect(sumExposition([reloads(10), reloads(10), reloads(3)])).toContain('edge_proxy_config_reloads_total{result="success"} 10\n');
  });

  test("a series only one worker has seen lands in its own family's block, once per family", () => {
    const out = sumExposition([page(1, 0, 1, 1), page(1, 0, 1, 1, 'edge_proxy_requests_total{route="r",code="502"} 2\n')]);
    const lines = out.split("\n");
    const type = lines.indexOf("# TYPE edge_proxy_requests_total counter");
    expect(lines.slice(type + 1, type + 3)).toEqual(['edge_proxy_requests_total{route="r",code="200"} 2', 'edge_proxy_requests_total{route="r",code="502"} 2']);
    expect(lines.filter((l) => l.startsWith("# TYPE")).length).toBe(5);
    expect(lines.filter((l) => l.startsWith("# HELP edge_proxy_requests_total")).length).toBe(1);
  });

  test("one page comes out as it went in", () => {
    expect(sumExposition([page(5, 1, 1, 3)])).toBe(page(5, 1, 1, 3));
  });
});
