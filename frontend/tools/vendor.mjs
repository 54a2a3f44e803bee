// Copies the npm libraries into the committed static and test folders, so a machine that only
// runs Python never needs npm. Run after `npm ci`: `npm run vendor`.
import { readFileSync, writeFileSync, mkdirSync, copyFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const modules = join(here, "node_modules");
const version = (name) => JSON.parse(readFileSync(join(modules, name, "package.json"))).version;

const staticVendor = join(root, "frontend", "static", "frontend", "vendor");
mkdirSync(staticVendor, { recursive: true });
// uPlot ships an unminified ES module and a minified IIFE; exporting the IIFE's global gives a
// small ES module the app can import() only on the Trends screen.
const uplot = readFileSync(join(modules, "uplot", "dist", "uPlot.iife.min.js"), "utf8");
writeFileSync(
  join(staticVendor, "uplot.min.js"),
  `/* uPlot ${version("uplot")}, MIT licence, https://github.com/leeoniya/uPlot */\n${uplot.trimEnd()}\nexport default uPlot;\n`,
);
copyFileSync(join(modules, "uplot", "dist", "uPlot.min.css"), join(staticVendor, "uplot.min.css"));
copyFileSync(join(modules, "uplot", "LICENSE"), join(staticVendor, "uplot.LICENSE.txt"));

// axe-core is for the browser tests only and never reaches the app's static files.
const testVendor = join(root, "tests", "browser", "vendor");
mkdirSync(testVendor, { recursive: true });
copyFileSync(join(modules, "axe-core", "axe.min.js"), join(testVendor, "axe.min.js"));
copyFileSync(join(modules, "axe-core", "LICENSE"), join(testVendor, "axe-core.LICENSE.txt"));

console.log(`vendored uplot ${version("uplot")} and axe-core ${version("axe-core")}`);
