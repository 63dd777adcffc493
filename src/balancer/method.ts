import type { Member } from "./member.ts";
import { createByRequests } from "./methods/byrequests.ts";
import { createByTraffic } from "./methods/bytraffic.ts";
import { createByBusyness } from "./methods/bybusyness.ts";
import { createIpHash } from "./methods/iphash.ts";

export interface PickContext {
  clientIp: string;
}

/** A balancing method picks among members the pool already found available. */
export interface BalancingMethod {
  pick(candidates: readonly Member[], ctx: PickContext): Member | undefined;
}

export type MethodName = "byrequests" | "bytraffic" | "bybusyness" | "iphash";

export interface MethodDeps {
  /** Injected RNG in [0, 1): methods that need randomness take it from here, never Math.random. */
  random: () => number;
}

const factories: Record<MethodName, (deps: MethodDeps) => BalancingMethod> = {
  byrequests: createByRequests,
  bytraffic: createByTraffic,
  bybusyness: createByBusyness,
  iphash: createIpHash,
};

export const methodNames: readonly MethodName[] = Object.freeze(
  Object.keys(factories) as MethodName[],
);

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(factories, name);
}

/** A fresh method object: stateful methods (byrequests, bybusyness) need one per pool. */
export function createMethod(name: MethodName, deps?: Partial<MethodDeps>): BalancingMethod {
  const factory = factories[name];
  return factory({ random: deps?.random ?? Math.random });
}
