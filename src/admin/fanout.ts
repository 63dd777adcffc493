/**
 * The admin listener of a `--workers` supervisor. Each worker keeps its own live state (members,
 * health, counters) and runs the admin app on it; this handler passes each request on over IPC:
 * a change (PATCH, DELETE, reload) goes to every worker and is answered once every worker has
 * acknowledged it, so the next request on any worker sees it; reads of the JSON API and
 * /metrics are summed over the workers. A worker that is not running or does not answer in
 * time is left out and the answer says so (`Edge-Proxy-Workers: 1/2`, and in JSON `workers`):
 * a crashed worker never holds the API, and it reads runtime-state.json when it starts again.
 */
import { callOf, type AdminAnswer, type AdminCall, type WorkerLink } from "./ipc.ts";
import { mergeJson } from "./merge-json.ts";
import { sumExposition } from "../metrics/sum-exposition.ts";
import { CounterCarry } from "../metrics/counter-carry.ts";
import { bodyTooLarge } from "./body-limit.ts";

export interface FanoutOptions {
  workers: () => readonly WorkerLink[];
  /** How long one worker may take to answer (a reload gets six times this: it may issue certificates). */
  timeoutMs: number;
  /** The supervisor is draining (SIGTERM): /readyz is 503 at once, as a single process answers. */
  stopping?: () => boolean;
}

interface Reply { index: number; pid: number | undefined; answer?: AdminAnswer; missing?: string }

/** The workers' view of a request: how many answered, and why the others did not. */
export interface WorkersNote { total: number; answered: number; missing: string[] }

export function createFanout(o: FanoutOptions): (req: Request) => Promise<Response> {
  let nextId = 1;
  const carry = new CounterCarry();
  const ask = async (links: readonly WorkerLink[], call: AdminCall, ms: number): Promise<Reply[]> =>
    Promise.all(links.map(async (w): Promise<Reply> => {
      const pid = w.pid;
      try {
        return { index: w.index, pid, answer: await w.ask({ ...call }, ms) };
      } catch (e) {
        return { index: w.index, pid, missing: `worker ${w.index}: ${(e as Error).message}` };
      }
    }));

  return async (req) => {
    const path = new URL(req.url).pathname;
    const reading = req.method === "GET" || req.method === "HEAD";
    if (path === "/healthz") return new Response("ok");
    if (path === "/readyz" && o.stopping?.()) return new Response("not ready (stopping)\n", { status: 503 });
    const big = bodyTooLarge(req); // before any worker is asked, or the body is read
    if (big) return big;
    const call = await callOf(req, nextId++);
    const all = o.workers();
    // The page, its login and logout, and anything unknown: one worker answers (the first that can).
    if (path === "/login" || path === "/logout" || (reading && path !== "/readyz" && path !== "/metrics" && !path.startsWith("/api/"))) {
      const missing: string[] = [];
      for (const w of all) {
        const [r] = await ask([w], call, o.timeoutMs);
        if (r!.answer) return withNote(passOn(r!.answer), { total: all.length, answered: 1, missing });
        missing.push(r!.missing!);
      }
      return noWorker(missing);
    }
    const asked = await ask(all, call, path === "/api/v1/reload" ? o.timeoutMs * 6 : o.timeoutMs);
    const replies = reading ? asked : await sameMemberEverywhere(asked, call, (links, c) => ask(links, c, o.timeoutMs), all);
    const answers = replies.flatMap((r) => (r.answer ? [r.answer] : []));
    const note: WorkersNote = { total: all.length, answered: answers.length, missing: replies.flatMap((r) => (r.missing ? [r.missing] : [])) };
    if (!answers.length) return noWorker(note.missing);
    if (path === "/readyz") {
      // Ready while any worker is: the kernel hands connections only to workers that are listening.
      const ready = answers.filter((a) => a.status === 200).length;
      return withNote(new Response(ready ? `ready (${ready} of ${note.total} workers)\n` : "not ready\n", { status: ready ? 200 : 503 }), note);
    }
    // The worst status is the answer (a 4xx/5xx from any worker is not hidden); bodies of that status merge.
    const status = Math.max(...answers.map((a) => a.status));
    const same = answers.filter((a) => a.status === status);
    const type = header(same[0]!, "content-type");
    if (status === 200 && path === "/metrics") {
      // Every answer is a 200 here (the worst status is); restarts and misses keep the sums rising.
      const pages = carry.pages(replies.flatMap((r) => (r.answer ? [{ index: r.index, pid: r.pid, page: r.answer.body }] : [])), replies.flatMap((r) => (r.answer ? [] : [r.index])));
      return withNote(new Response(sumExposition(pages) + workersFamily(note), { headers: { "content-type": type } }), note);
    }
    // An error (401 with its WWW-Authenticate, 404, 422) is passed on as one worker gave it.
    if (status !== 200 || !type.includes("application/json")) return withNote(passOn(same[0]!), note);
    const merged = mergeJson(same.map((a) => JSON.parse(a.body) as unknown));
    // Additions to the contract's shapes: the status and every change say how many workers took part.
    const noted = (!reading || path === "/api/v1/status") && isObj(merged) ? { ...merged, workers: note } : merged;
    return withNote(Response.json(noted, { status }), note);
  };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const header = (a: AdminAnswer, name: string) => a.headers.find(([k]) => k.toLowerCase() === name)?.[1] ?? "";

function passOn(a: AdminAnswer): Response {
  // The body is re-sent as text: its length is the new Response's to set.
  return new Response(a.body, { status: a.status, headers: a.headers.filter(([k]) => k.toLowerCase() !== "content-length") });
}

function withNote(res: Response, note: WorkersNote): Response {
  res.headers.set("edge-proxy-workers", `${note.answered}/${note.total}`);
  if (note.missing.length) res.headers.set("edge-proxy-workers-missing", note.missing.join("; "));
  return res;
}

function noWorker(missing: string[]): Response {
  return Response.json({ error: `no worker answered: ${missing.join("; ") || "no workers"}` }, { status: 503 });
}

/** Added to the summed page: how many workers' figures it holds. */
function workersFamily(note: WorkersNote): string {
  const lines = ["# HELP edge_proxy_workers Workers whose figures this page sums (answering) or lacks (missing).", "# TYPE edge_proxy_workers gauge"];
  lines.push(`edge_proxy_workers{state="answering"} ${note.answered}`, `edge_proxy_workers{state="missing"} ${note.total - note.answered}`);
  return lines.join("\n") + "\n";
}

const MEMBER_PATH = /^(\/api\/v1\/pools\/[^/]+\/members\/)([^/]+)(\/override)?$/;

/**
 * A member named by a route that only some workers know (one learned from the member's own
 * Set-Cookie is learned per worker): the workers that answered 404 are asked again by the
 * member's URL, which a worker that knew the route answered with, so the change reaches all.
 */
async function sameMemberEverywhere(replies: Reply[], call: AdminCall, ask: (links: readonly WorkerLink[], call: AdminCall) => Promise<Reply[]>, links: readonly WorkerLink[]): Promise<Reply[]> {
  const url = new URL(call.url);
  const m = MEMBER_PATH.exec(url.pathname);
  const known = replies.find((r) => r.answer?.status === 200)?.answer;
  const unknown = replies.filter((r) => r.answer?.status === 404);
  if (!m || !known || !unknown.length) return replies;
  const member = (JSON.parse(known.body) as { url?: unknown }).url;
  if (typeof member !== "string") return replies;
  url.pathname = `${m[1]}${encodeURIComponent(member)}${m[3] ?? ""}`;
  const again = await ask(links.filter((w) => unknown.some((r) => r.index === w.index)), { ...call, url: url.href });
  return replies.map((r) => again.find((a) => a.index === r.index) ?? r);
}
