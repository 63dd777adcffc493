// The one place @peculiar/x509 is loaded. Bun evaluates CommonJS dependencies before the
// ESM modules that import them, so a static import would run tsyringe's Reflect check
// before our shim; importing dynamically after the shim makes the order certain.
import "./reflect-shim.ts";

export const x509: typeof import("@peculiar/x509") = await import("@peculiar/x509");
x509.cryptoProvider.set(crypto);
