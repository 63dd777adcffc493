/** What a connection needs of its socket: a Bun.listen socket, or a TLS one (server/tls-front.ts). */
export interface ClientSocket {
  readonly remoteAddress: string;
  /** bytes taken; the rest waits for drain */
  write(bytes: Uint8Array): number;
  end(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  timeout(seconds: number): void;
}
