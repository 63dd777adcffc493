/** The version printed by `proxy --version`; kept in step with package.json by the build. */
import pkg from "../package.json" with { type: "json" };
export const VERSION: string = pkg.version;
