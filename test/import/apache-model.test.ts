import { describe, expect, test } from "bun:test";
import { params } from "../../src/import/apache-model.ts";
import { collect } from "../../src/import/apache.ts";
import { lexApache } from "../../src/import/apache-lexer.ts";
import { Report } from "../../src/import/report.ts";
import { convert } from "./convert.ts";

const model = (text: string) => {
  const c = convert("apache", text);
  const report = new Report();
  return collect(lexApache(c.file, report), report);
};

describe("apache model", () => {
  test("key=value parameters are read with lower-case keys", () => {
    expect([...params(["route=isNode1", "LoadFactor=3", "junk"])]).toEqual([["route", "isNode1"], ["loadfactor", "3"]]);
  });

  test("<VirtualHost *:80 *:8080> keeps every address, so the vhost answers on both ports", () => {
    const m = model("<VirtualHost *:80 10.0.0.1:8080>\nProxyPass / http://h:1/\n</VirtualHost>\n");
    expect(m.vhosts[0]).toMatchObject({ addrs: [{ port: 80 }, { host: "10.0.0.1", port: 8080 }], ports: [80, 8080] });
  });

  test("a vhost address without a port answers on every Listen port, even when Listen comes later (httpd's port 0 matches any)", () => {
    expect(model("<VirtualHost *>\n</VirtualHost>\n<VirtualHost _default_:*>\n</VirtualHost>\nListen 8081\nListen 8082\n").vhosts.map((v) => v.ports)).toEqual([[8081, 8082], [8081, 8082]]);
    expect(model("<VirtualHost * *:8082>\n</VirtualHost>\nListen 8081\nListen 8082\n").vhosts[0]!.ports).toEqual([8081, 8082]);
    expect(model("<VirtualHost *>\n</VirtualHost>\n").vhosts[0]!.ports).toEqual([80]);
  });

  test("the main server answers on every Listen port", () => {
    expect(model("Listen 8081\nListen 127.0.0.1:8082\nListen 8081\n").main.ports).toEqual([8081, 8082]);
  });
});
