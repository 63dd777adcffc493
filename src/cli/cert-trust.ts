// `proxy cert trust [CA.crt]`: make clients on this machine trust a CA (by default the internal
// CA of `"certificates": "internal"`), the step Caddy's `caddy trust` does. Debian keeps local
// CAs in /usr/local/share/ca-certificates and rebuilds the bundle with update-ca-certificates;
// RHEL keeps them in /etc/pki/ca-trust/source/anchors and runs update-ca-trust. Java (WSO2's
// client-truststore.jks) keeps its own store: we print the keytool line instead of guessing it.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { x509 } from "../tls/x509.ts";
import { readText, str, UsageError, type Opts } from "./cert-args.ts";

interface Store { name: string; dir: string; update: string[] }

/** The platform's store under `root` ("/" normally; a test gives a scratch directory). */
function findStore(root: string): Store | undefined {
  const at = (p: string) => join(root, p);
  if (existsSync(at("etc/debian_version")) || existsSync(at("usr/sbin/update-ca-certificates"))) {
    // The directory options keep a scratch root's run inside it (update-ca-certificates(8)).
    const dirs = root === "/" ? [] : ["--certsconf", at("etc/ca-certificates.conf"), "--certsdir", at("usr/share/ca-certificates"),
      "--localcertsdir", at("usr/local/share/ca-certificates"), "--etccertsdir", at("etc/ssl/certs"), "--hooksdir", at("etc/ca-certificates/update.d")];
    return { name: "Debian", dir: at("usr/local/share/ca-certificates"), update: ["update-ca-certificates", "--fresh", ...dirs] };
  }
  if (existsSync(at("etc/pki/ca-trust"))) return { name: "RHEL", dir: at("etc/pki/ca-trust/source/anchors"), update: ["update-ca-trust", "extract"] };
  return undefined;
}

export async function runTrust(o: Opts, rest: string[], io: { out: (s: string) => void; err: (s: string) => void }): Promise<void> {
  const file = resolve(rest[0] ?? join(str(o, "data-dir") ?? "proxy-data", "ca.crt"));
  const pem = readText(file, rest[0] ? "trust" : "data-dir");
  let ca: InstanceType<typeof x509.X509Certificate>;
  try {
    ca = new x509.X509Certificate(pem);
  } catch {
    throw new Error(`${file}: not a PEM certificate (give the CA's .crt file)`);
  }
  if (ca.getExtension(x509.BasicConstraintsExtension)?.ca !== true) throw new UsageError(`${file}: ${ca.subject} is not a CA certificate; trust the CA that issued it`);
  const fingerprint = createHash("sha256").update(Buffer.from(ca.rawData)).digest("hex");
  const alias = `edge-proxy-${fingerprint.slice(0, 12)}`;
  const store = findStore(str(o, "root") ?? "/");
  if (!store) {
    io.err(`no system trust store found (Debian's update-ca-certificates or RHEL's update-ca-trust); install ${file} by hand\n`);
  } else {
    mkdirSync(store.dir, { recursive: true });
    const target = join(store.dir, `${alias}.crt`); // update-ca-certificates reads only *.crt
    copyFileSync(file, target);
    const r = spawnSync(store.update[0]!, store.update.slice(1), { encoding: "utf8" });
    if (r.error || r.status !== 0) throw new Error(`copied to ${target}, but ${store.update[0]} failed: ${r.error?.message ?? r.stderr.trim()} (run it as root)`);
    io.out(`${ca.subject} (SHA-256 ${fingerprint}) is trusted: ${target} (${store.name}, ${store.update[0]})\n`);
  }
  io.out(`For a Java truststore (WSO2: repository/resources/security/client-truststore.jks, password wso2carbon):\n` +
    `  keytool -importcert -noprompt -alias ${alias} -file ${file} -keystore client-truststore.jks -storepass wso2carbon\n`);
}
