/**
 * The Transport for http:// members. Interim: Bun's fetch; replaced by the lean HTTP/1.1
 * client (src/upstream/client.ts) once that lands.
 */
import { FetchTransport } from "./fetch-transport.ts";
import type { Transport } from "./transport.ts";

export function createHttpTransport(url: URL): Transport {
  return new FetchTransport(url.origin);
}
