import { expect, test } from "bun:test";
import { parsePem, toPem } from "../../src/tls/pem.ts";

test("parsePem reads headers and several blocks; toPem round-trips", () => {
  const der = new Uint8Array([1, 2, 3, 4, 5]);
  const legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF\n\nAQIDBAU=\n-----END RSA PRIVATE KEY-----\n";
  const blocks = parsePem(legacy + toPem("CERTIFICATE", der));
  expect(blocks.map((b) => b.label)).toEqual(["RSA PRIVATE KEY", "CERTIFICATE"]);
  expect(blocks[0]?.headers["DEK-Info"]).toBe("AES-128-CBC,00FF");
  expect([...(blocks[0]?.der ?? [])]).toEqual([...der]);
  expect([...(blocks[1]?.der ?? [])]).toEqual([...der]);
});
