/**
 * Keys from a JWKS URL (an identity provider's `jwks_uri`), cached. A token naming a `kid` the
 * cache lacks triggers one refetch, at most once per 30 s however many such tokens come (a
 * flood of made-up kids cannot turn into a flood of fetches); a fetch gives up after 5 s. Only
 * the requests that need the keys wait for them: nothing here blocks the event loop, so other
 * routes never notice a slow or hanging key server. A cache older than 10 min is refreshed in
 * the background while the old keys keep serving (jose's remote set would make a request wait).
 */
import { errors, type JSONWebKeySet } from "jose";
import { localKeys, parseJwks } from "./jwks-file.ts";
import type { KeyLookup, KeySource } from "./route-auth.ts";

export interface JwksUrlOptions {
  now?: () => number;
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  timeoutMs?: number;
  minIntervalMs?: number;
  maxAgeMs?: number;
  /** Fetch outcomes (new keys, failures), one line each. */
  log?: (level: "info" | "warn", msg: string) => void;
}

/** The key server could not give us keys: the token's reason is this, logged. */
export class KeysUnavailable extends Error {}

export class JwksUrl implements KeySource {
  readonly url: string;
  #set: KeyLookup | undefined;
  #fetchedAt = -Infinity;
  #limitFrom = -Infinity;
  #pending: Promise<void> | undefined;
  #lastError = "not fetched yet";
  #abort = new AbortController();
  readonly #now: () => number;
  readonly #fetch: (url: string, init: RequestInit) => Promise<Response>;
  readonly #timeoutMs: number;
  readonly #minIntervalMs: number;
  readonly #maxAgeMs: number;
  #log: NonNullable<JwksUrlOptions["log"]>;

  constructor(url: string, o: JwksUrlOptions = {}) {
    this.url = url;
    this.#now = o.now ?? Date.now;
    this.#fetch = o.fetch ?? ((u, init) => fetch(u, init));
    this.#timeoutMs = o.timeoutMs ?? 5_000;
    this.#minIntervalMs = o.minIntervalMs ?? 30_000;
    this.#maxAgeMs = o.maxAgeMs ?? 600_000;
    this.#log = o.log ?? (() => {});
  }

  readonly lookup: KeyLookup = async (header, token) => {
    if (!this.#set) await this.#refresh(false);
    const set = this.#set;
    if (!set) throw new KeysUnavailable(`keys unavailable from ${this.url}: ${this.#lastError}`);
    if (this.#now() - this.#fetchedAt > this.#maxAgeMs) void this.#refresh(false);
    try {
      return await set(header, token);
    } catch (e) {
      if (!(e instanceof errors.JWKSNoMatchingKey)) throw e;
      // An unknown kid may be a rotated key: look again, unless such a look ran moments ago.
      if (!(await this.#refresh(true)) || this.#set === set) throw e;
      return this.#set!(header, token);
    }
  };

  warm(log?: JwksUrlOptions["log"]): void {
    if (log) this.#log = log;
    if (!this.#set) void this.#refresh(false);
  }

  close(): void {
    this.#abort.abort(new Error("closed"));
  }

  /**
   * Resolves true when a fetch ran (now or already in flight); false when rate-limited. The
   * limit counts fetches for unknown kids and failed fetches (a key server that is down is not
   * asked again by every request); the first fetch and age refreshes do not start the clock,
   * so a key rotated soon after start is still found.
   */
  async #refresh(forUnknownKid: boolean): Promise<boolean> {
    if (this.#pending) return this.#pending.then(() => true);
    if (this.#now() - this.#limitFrom < this.#minIntervalMs) return false;
    if (forUnknownKid) this.#limitFrom = this.#now();
    this.#pending = this.#load().finally(() => (this.#pending = undefined));
    await this.#pending;
    return true;
  }

  async #load(): Promise<void> {
    try {
      const jwks = await this.#get();
      this.#set = localKeys(jwks);
      this.#fetchedAt = this.#now();
      const kids = jwks.keys.map((k) => k.kid ?? "(no kid)").join(", ");
      this.#log("info", `jwks ${this.url}: ${jwks.keys.length} key${jwks.keys.length === 1 ? "" : "s"} (${kids})`);
    } catch (e) {
      this.#lastError = (e as Error).message;
      this.#limitFrom = this.#now();
      this.#log("warn", `jwks ${this.url}: fetch failed: ${this.#lastError}${this.#set ? "; the keys fetched before still serve" : ""}`);
    }
  }

  async #get(): Promise<JSONWebKeySet> {
    const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#timeoutMs)]);
    try {
      const res = await this.#fetch(this.url, { signal, headers: { accept: "application/json" }, redirect: "manual" });
      if (res.status !== 200) {
        void res.body?.cancel();
        throw new Error(`status ${res.status}`);
      }
      return parseJwks(await bounded(res, MAX_JWKS_BYTES));
    } catch (e) {
      if (!signal.aborted) throw e;
      throw new Error(this.#abort.signal.aborted ? "closed" : `no answer within ${this.#timeoutMs} ms`);
    }
  }
}

/** A key set is a few KB; an answer past this is refused, not read whole into memory. */
export const MAX_JWKS_BYTES = 1 << 20;

async function bounded(res: Response, max: number): Promise<string> {
  const tooBig = () => new Error(`the answer is larger than ${max} bytes`);
  if (Number(res.headers.get("content-length") ?? 0) > max) {
    void res.body?.cancel();
    throw tooBig();
  }
  if (!res.body) return "";
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    size += r.value.byteLength;
    if (size > max) {
      void reader.cancel();
      throw tooBig();
    }
    parts.push(r.value);
  }
  return Buffer.concat(parts).toString("utf8");
}
