/** What a connection needs of its socket: a Bun.listen socket, or a TLS one (server/tls-front.ts). */
export interface ClientSocket {
  readonly remoteAddress: string;
  /** bytes taken; the rest waits for drain */
  write(bytes: Uint8Array): number;
  end(): void;
  /** Sends FIN and goes on reading (shutdown(2) SHUT_WR); end() closes once the writes are out. */
  shutdown(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  timeout(seconds: number): void;
}
