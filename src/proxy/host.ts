/**
 * Host header validation (RFC 9112 3.2: exactly one Host with a valid value; 400 otherwise).
 * Bun merges repeated Host lines into "a, b", so a comma means several values.
 */
const LABEL = "[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?";
// The port may be empty (RFC 3986 3.2.3: `host:` is the default port), as NGINX reads it.
const HOST = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*\\.?|\\[[0-9A-Fa-f:.]+\\])(?::(\\d{0,5}))?$`);

/** The lower-cased host name without port, or undefined when the Host value is not valid. */
export function hostName(header: string | null): string | undefined {
  if (!header || header.length > 255) return undefined;
  const m = HOST.exec(header);
  if (!m || (m[1] !== undefined && Number(m[1]) > 65535)) return undefined;
  const end = header.startsWith("[") ? header.indexOf("]") + 1 : header.lastIndexOf(":");
  const name = end > 0 ? header.slice(0, end) : header;
  return (name.endsWith(".") ? name.slice(0, -1) : name).toLowerCase();
}
