/**
 * The files of pools.NAME.tls, read once per compile (start, `proxy check`, every reload, as
 * NGINX re-reads them): `ca`, the certificates members are verified against, and `cert`/`key`,
 * the client certificate shown to members that ask for one (Apache SSLProxyMachineCertificateFile,
 * NGINX proxy_ssl_certificate / proxy_ssl_certificate_key). What Bun would take without a word
 * and then fail every handshake with (a key file as the certificate, a key of another
 * certificate) is an error at its JSON path here.
 */
import { parsePem, PRIVATE_KEY_BLOCK } from "./pem.ts";
import { PairError, readPair } from "./cert-pair.ts";
import { checkUpstreamCa } from "./upstream-ca.ts";

type PoolTlsField = "ca" | "cert" | "key" | "passphrase" | "passphraseFile";

/** PEM texts for Bun's tls options; the compared settings of a pool, so changed files make new dialers. */
export interface UpstreamTlsFiles { ca?: string; cert?: string; key?: string }

export interface FileAccess {
  /** The file's bytes (relative to routes.json); throws a message ending in what to fix. */
  read(file: string): Uint8Array;
  /** An error for pools.NAME.tls.<field>. */
  fail(field: PoolTlsField, message: string): Error;
  warn(message: string): void;
  now: number;
}

export interface PoolTlsFiles { ca?: string | undefined; cert?: string | undefined; key?: string | undefined; passphrase?: string | undefined; passphraseFile?: string | undefined }

function fileText(tls: FileAccess) {
  return (field: PoolTlsField, file: string): string => {
    try {
      return new TextDecoder().decode(tls.read(file));
    } catch (e) {
      throw tls.fail(field, `cannot read ${file}: ${(e as Error).message} (paths are relative to the directory of routes.json)`);
    }
  };
}

/** `ca`: the certificates members are verified against. Read apart from the client identity, so both are named when both fail. */
export function readUpstreamCa(at: string, tls: PoolTlsFiles, io: FileAccess): Pick<UpstreamTlsFiles, "ca"> {
  if (tls.ca === undefined) return {};
  const caText = fileText(io)("ca", tls.ca);
  try {
    const ca = checkUpstreamCa(caText, tls.ca, io.now);
    for (const w of ca.warnings) io.warn(`${at}.ca: ${w}`);
    return { ca: ca.pem };
  } catch (e) {
    throw io.fail("ca", (e as Error).message);
  }
}

/** `cert`, `key` and the key's passphrase: the client certificate shown to members. */
export function readClientIdentity(at: string, tls: PoolTlsFiles, io: FileAccess): Pick<UpstreamTlsFiles, "cert" | "key"> {
  const text = fileText(io);
  const secret = tls.passphrase !== undefined ? "passphrase" : tls.passphraseFile !== undefined ? "passphraseFile" : undefined;
  if (tls.passphrase !== undefined && tls.passphraseFile !== undefined) throw io.fail("passphraseFile", "give passphrase or passphraseFile, not both");
  if (secret && tls.key === undefined) throw io.fail(secret, `tls.${secret} is given without tls.key: it is the passphrase of the client certificate's key`);
  if (tls.cert === undefined && tls.key === undefined) return {};
  if (tls.cert === undefined) throw io.fail("cert", "tls.key is given without tls.cert: give the client certificate the key belongs to");
  if (tls.key === undefined) throw io.fail("key", `tls.cert is given without tls.key: give the client certificate's private key (it may be ${tls.cert} itself when that file holds it)`);
  // First line of the file, as listeners' passphraseFile and `openssl -passin file:` read it.
  const passphrase = tls.passphraseFile !== undefined ? (text("passphraseFile", tls.passphraseFile).split(/\r?\n/, 1)[0] ?? "") : tls.passphrase;
  return clientPair(at, { certFile: tls.cert, keyFile: tls.key, passphrase, secret }, text, io);
}

interface ClientFiles { certFile: string; keyFile: string; passphrase: string | undefined; secret: "passphrase" | "passphraseFile" | undefined }

function clientPair(at: string, { certFile, keyFile, passphrase, secret }: ClientFiles, text: (field: PoolTlsField, file: string) => string, io: FileAccess): { cert: string; key: string } {
  const certText = text("cert", certFile);
  const keyText = text("key", keyFile);
  // One client identity per pool: httpd picks among several pairs by the member's CA list, we do not.
  const keys = parsePem(keyText).filter((b) => PRIVATE_KEY_BLOCK.test(`-----BEGIN ${b.label}-----`)).length;
  if (keys > 1) throw io.fail("key", `${keyFile} holds ${keys} private keys; give the one client certificate and key this pool presents`);
  let pair;
  try {
    pair = readPair({ certFile, keyFile, certText, keyText, role: "client", bytes: io.read, passphrase });
  } catch (e) {
    if (!(e instanceof PairError)) throw e;
    // NGINX proxy_ssl_password_file; mod_ssl takes only unencrypted keys here (SSLProxyMachineCertificateFile).
    if (e.message.endsWith("passphrase is needed")) throw io.fail("key", `${keyFile} is encrypted; give its passphrase as tls.passphraseFile, or decrypt it with: proxy cert key --decrypt --in ${keyFile} --out client.key --passphrase-file FILE`);
    if (secret && e.message.endsWith("wrong passphrase")) throw io.fail(secret, `the passphrase does not decrypt ${keyFile}`);
    throw io.fail(e.field, e.message);
  }
  const { facts } = pair;
  const days = Math.ceil((facts.notAfter.getTime() - io.now) / 86_400_000);
  if (facts.notAfter.getTime() <= io.now) io.warn(`${at}.cert: ${certFile}: expired on ${facts.notAfter.toISOString()}; members that check client certificates refuse the handshake`);
  else if (days < 30) io.warn(`${at}.cert: ${certFile}: expires in ${days} days (${facts.notAfter.toISOString()}); renew it`);
  if (facts.notBefore.getTime() > io.now) io.warn(`${at}.cert: ${certFile}: not valid before ${facts.notBefore.toISOString()} (is a clock wrong?); members refuse it until then`);
  return { cert: pair.certs + "\n", key: pair.key.export({ type: "pkcs8", format: "pem" }) as string };
}
