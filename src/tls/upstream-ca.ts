/**
 * pools.*.tls.ca: routes.json names a PEM file relative to itself, but Bun's `tls.ca` wants
 * the PEM text (given a path it would treat the path itself as a certificate and fail).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

/** `at` is the JSON path for the error, e.g. `pools.identity.tls.ca`. */
export function readUpstreamCa(baseDir: string, file: string | undefined, at = "tls.ca"): string | undefined {
  if (file === undefined) return undefined;
  let pem: string;
  try {
    pem = readFileSync(resolve(baseDir, file), "utf8");
  } catch (e) {
    throw new Error(`${at}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (paths are relative to the directory of routes.json)`);
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error(`${at}: ${file} holds no PEM certificate (give the upstream's CA certificate in PEM)`);
  return pem;
}
