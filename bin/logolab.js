#!/usr/bin/env node
// The `logolab` command: runs the compiled CLI (build it with `npm run build`).
const path = require("node:path");
const fs = require("node:fs");

const cli = path.join(__dirname, "..", "dist", "cli", "main.js");
if (!fs.existsSync(cli)) {
  console.error(
    "logolab is not built yet: run `npm run build` (or `npm start`) in " + path.dirname(__dirname),
  );
  process.exit(1);
}
require(cli).main(process.argv);
