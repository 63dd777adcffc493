/**
 * What a route with `auth.jwt` carries at run time, and what asking it answers. The engine
 * (front/auth-step.ts) hands these facts to authorize.ts and acts on its verdict; the rule lives once.
 */
import type { JWSHeaderParameters, FlattenedJWSInput } from "jose";
import type { EventLog } from "../log/events.ts";

/** What the check may read of a request: three header values and the query, nothing else. */
export interface RequestFacts {
  authorization: string | null;
  cookie: string | null;
  /** "?a=b" or "" */
  query: string;
  /** For the log line only. */
  clientIp: string;
}

/** jose's key lookup: the protected header names the algorithm and the key id. */
export type KeyLookup = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

export interface KeySource {
  readonly lookup: KeyLookup;
  /** Starts fetching keys ahead of the first token (a JWKS URL; its fetches log to `log`); a no-op elsewhere. */
  warm(log: EventLog): void;
  close(): void;
}

/** A token that passed: the claims, for claimsToHeaders. */
export interface Verified { ok: true; claims: Record<string, unknown> }
/** A token that did not: the reason goes to the log, never the token. */
export interface Rejected { ok: false; reason: string }

export interface RouteAuth {
  /** The token as sent, or undefined when there is none. */
  token(facts: RequestFacts): string | undefined;
  verify(token: string): Promise<Verified | Rejected>;
  /** Lower-case header names, set from claims; incoming copies are always removed. */
  readonly claimHeaders: readonly string[];
  /** The header values for a verified token's claims (claims that are absent are skipped). */
  headersFor(claims: Record<string, unknown>): [string, string][];
  readonly keys: KeySource;
  /** The target as the access log writes it, when the token can be in it (token-source.ts). */
  readonly logTarget?: ((target: string) => string) | undefined;
}

export type AuthVerdict =
  | { ok: true; remove: readonly string[]; set: readonly [string, string][] }
  | { ok: false; status: 401; challenge: string; body: string };
