/**
 * `--workers`: the configuration a worker starts from is the one running, not whatever
 * routes.json holds when it starts. The supervisor validated the file once at start; each
 * worker reports the text of every configuration it applies (start, reload), and a worker
 * (re)started later gets the newest on stdin with its generation. As NGINX's master starts new
 * workers from the configuration it parsed: a half-edited file on disk, or an edit nobody
 * reloaded yet, cannot crash-loop a restarted worker or make it serve something its siblings
 * do not. Its next reload reads routes.json like theirs.
 */
export const CONFIG_STDIN_ENV = "EDGE_PROXY_CONFIG_STDIN";
export const GENERATION_ENV = "EDGE_PROXY_GENERATION";

/** A worker's report: it now serves this routes.json text as this generation. */
export interface ConfigApplied { kind: "config-applied"; text: string; generation: number }

export function isConfigApplied(m: unknown): m is ConfigApplied {
  return typeof m === "object" && m !== null && (m as ConfigApplied).kind === "config-applied" && typeof (m as ConfigApplied).text === "string";
}

/** What the supervisor knows is running; newer generations replace older ones. */
export class RunningConfig {
  text: string;
  generation: number;

  constructor(text: string, generation = 1) {
    this.text = text;
    this.generation = generation;
  }

  onMessage(m: unknown): void {
    if (!isConfigApplied(m) || m.generation < this.generation) return;
    this.text = m.text;
    this.generation = m.generation;
  }

  /** The environment and stdin of a worker to start now. */
  spawnWith(): { env: Record<string, string>; stdin: Blob } {
    return { env: { [CONFIG_STDIN_ENV]: "1", [GENERATION_ENV]: String(this.generation) }, stdin: new Blob([this.text]) };
  }
}

/** In a worker started by RunningConfig: routes.json's text from stdin, else undefined (read the file). */
export async function startText(): Promise<string | undefined> {
  return process.env[CONFIG_STDIN_ENV] === "1" ? await Bun.stdin.text() : undefined;
}

export const startGeneration = (): number => Math.max(1, Number(process.env[GENERATION_ENV]) || 1);

/** A worker tells its supervisor what it serves now (nothing outside --workers). */
export function reportApplied(text: string, generation: number): void {
  if (process.env[CONFIG_STDIN_ENV] === "1") process.send?.({ kind: "config-applied", text, generation } satisfies ConfigApplied);
}
