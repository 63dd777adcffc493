// Preloaded for every test run (bunfig.toml): a top-level hook here runs after all test files.
import { afterAll } from "bun:test";
import { removeTempDirs } from "./temp-dirs.ts";

afterAll(removeTempDirs);
