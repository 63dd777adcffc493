// @peculiar/x509 uses tsyringe, which throws at load time unless a Reflect metadata API
// exists. We may not add reflect-metadata as a dependency, so this is the minimal subset
// tsyringe and tslib's __metadata call. Import this module before "@peculiar/x509".
type Target = object;
const store = new WeakMap<Target, Map<string | symbol, Map<unknown, unknown>>>();

function table(target: Target, prop: string | symbol | undefined, create: boolean): Map<unknown, unknown> | undefined {
  let byProp = store.get(target);
  if (!byProp && create) store.set(target, (byProp = new Map()));
  const key = prop ?? "";
  let t = byProp?.get(key);
  if (!t && create && byProp) byProp.set(key, (t = new Map()));
  return t;
}

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== "function") {
  const getOwnMetadata = (k: unknown, target: Target, prop?: string | symbol): unknown => table(target, prop, false)?.get(k);
  const getMetadata = (k: unknown, target: Target, prop?: string | symbol): unknown => {
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) {
      const m = table(t, prop, false);
      if (m?.has(k)) return m.get(k);
    }
    return undefined;
  };
  const defineMetadata = (k: unknown, v: unknown, target: Target, prop?: string | symbol): void => {
    table(target, prop, true)?.set(k, v);
  };
  R.getOwnMetadata = getOwnMetadata;
  R.getMetadata = getMetadata;
  R.defineMetadata = defineMetadata;
  R.hasMetadata = (k: unknown, target: Target, prop?: string | symbol) => getMetadata(k, target, prop) !== undefined;
  R.metadata = (k: unknown, v: unknown) => (target: Target, prop?: string | symbol) => defineMetadata(k, v, target, prop);
}
