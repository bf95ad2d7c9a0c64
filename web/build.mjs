// Build the viewer front end into src/iadsim/web/static/ (run by scripts/build_web.sh and by the
// setuptools build step when that folder is missing). Everything is bundled: no network at run time.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "src", "iadsim", "web", "static");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, "src", "main.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["chrome100", "firefox100", "safari15"],
  outfile: join(out, "viewer.js"),
  loader: { ".png": "dataurl", ".svg": "dataurl", ".json": "json" },
  legalComments: "linked",
  logLevel: "warning",
});
copyFileSync(join(here, "index.html"), join(out, "index.html"));
copyFileSync(join(here, "ATTRIBUTION.md"), join(out, "ATTRIBUTION.md"));
console.log(`[iadsim] viewer built into ${out}`);
