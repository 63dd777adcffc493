// How much CPU other programs used during a run. The bench shares a 2-core machine with
// whatever else runs (test suites, compilers, other benchmarks); a figure taken while they
// were busy measures the scheduler, not the proxy. We cannot prevent that, but we can see
// it: machine-wide busy time (/proc/stat) minus the CPU time of our own processes.

/**
 * Busy jiffies of the whole machine from the /proc/stat "cpu" line: user, nice, system and
 * steal (a busy hypervisor neighbour takes cycles too). irq and softirq are left out: loopback
 * TCP processing of our own traffic lands there and cannot be told apart from anyone else's.
 */
async function machineBusy(): Promise<number> {
  const line = (await Bun.file("/proc/stat").text()).split("\n")[0] ?? "";
  // Fields: user nice system idle iowait irq softirq steal guest guest_nice.
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  return (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[7] ?? 0);
}

/** The unit of /proc/stat and /proc/<pid>/stat on Linux. */
const USER_HZ = 100;

/** utime+stime of pid; for our own process also cutime+cstime (reaped children: wrk). */
async function cpuOf(pid: number, withChildren: boolean): Promise<number> {
  try {
    const stat = await Bun.file(`/proc/${pid}/stat`).text();
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
    // After ")": state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    const own = (f[11] ?? 0) + (f[12] ?? 0);
    return withChildren ? own + (f[13] ?? 0) + (f[14] ?? 0) : own;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds (user + system) the given processes have used so far. A busy hypervisor
 * neighbour's steal is not in them, so CPU per request moves less than req/s when the
 * machine is shared; it still moves (a slower leg does less per wake-up, and pays more
 * per request for each epoll round), so it is read beside req/s, not instead of it.
 */
export async function cpuSeconds(pids: number[]): Promise<number> {
  const parts = await Promise.all(pids.map((p) => cpuOf(p, false)));
  return parts.reduce((a, b) => a + b, 0) / USER_HZ;
}

async function ours(pids: number[]): Promise<number> {
  const parts = await Promise.all([cpuOf(process.pid, true), ...pids.map((p) => cpuOf(p, false))]);
  return parts.reduce((a, b) => a + b, 0);
}

/**
 * Starts a measurement; stop() gives the share of the machine's capacity (all cores over the
 * elapsed time) used by processes other than ours. Call stop() after wrk has been reaped so
 * that its CPU time has moved into our cutime.
 */
export async function startNoise(pids: number[]): Promise<{ stop: () => Promise<number> }> {
  const cores = navigator.hardwareConcurrency;
  const t0 = performance.now();
  const [b0, o0] = [await machineBusy(), await ours(pids)];
  return {
    stop: async () => {
      const [b1, o1] = [await machineBusy(), await ours(pids)];
      const capacity = ((performance.now() - t0) / 1000) * USER_HZ * cores;
      return capacity <= 0 ? 0 : Math.max(0, (b1 - b0 - (o1 - o0)) / capacity);
    },
  };
}
