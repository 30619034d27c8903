import path from "node:path";

/** The `logolab` command as `npm run build` emits it (the test command builds before jest runs). */
export const BUILT_CLI = path.resolve(__dirname, "..", "..", "dist", "cli", "main.js");
