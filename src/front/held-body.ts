/**
 * A request body the fast lane reads whole before it chooses a member, as NGINX reads a body
 * before it connects upstream: up to HOLD_MAX bytes, so a slow uploader holds no member
 * connection and the request can be tried again on another member. Anything larger, over the
 * route's maxBodySize, or malformed goes to the gate (tunnel-gate.ts), which streams,
 * answers 413 through the spine, or refuses it.
 */
import { ChunkScan } from "./chunk-scan.ts";
import type { FastHead } from "./request-head.ts";
import { HOLD_MAX } from "./tunnel-gate.ts";

/** The body is not all here yet. */
export const WAIT = -1;
/** Not for the lane: hand the connection to the gate. */
export const TUNNEL = -2;

/** Offset just past the body that starts at `start`, or WAIT / TUNNEL. */
export function heldBodyEnd(h: FastHead, buf: Uint8Array, start: number, maxBodySize: number | undefined): number {
  if (!h.chunked) {
    if (h.bodyLength > HOLD_MAX || (maxBodySize !== undefined && h.bodyLength > maxBodySize)) return TUNNEL;
    return buf.byteLength - start >= h.bodyLength ? start + h.bodyLength : WAIT;
  }
  const scan = new ChunkScan();
  let end: number;
  try {
    end = scan.scan(buf, start);
  } catch {
    return TUNNEL; // the gate answers 400
  }
  if (end < 0) return buf.byteLength - start > HOLD_MAX ? TUNNEL : WAIT;
  return maxBodySize !== undefined && scan.payload > maxBodySize ? TUNNEL : end;
}
