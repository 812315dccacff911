// Builds static/vendor/plotly/ from the plotly.js sources pinned in package.json:
//
//   plotly-2d.js    what the first paint needs (scatter, contour, heatmap); sets
//                   window.Plotly, which the page's modules call
//   plotly-3d.js    the 3D traces (surface, scatter3d), registered on the same Plotly when
//                   a 3D view is first shown (static/js/plots/plotly-3d.js imports it)
//   plotly-core.js  the Plotly core both import — shared, so there is one Plotly and one
//                   trace registry (a second full bundle would be a second Plotly that
//                   cannot draw into the first one's plots)
//   bundle.json     plotly.js's version and which trace types each part registers
//                   (tests/test_static_delivery.py checks the page uses no others)
//   LICENSE, THIRD-PARTY-NOTICES.txt   plotly.js's licence; the bundled code's legal comments
//
// ES modules with code splitting (esbuild), minified; the core leaves out the components
// gdviz never uses (UNUSED_COMPONENTS). The settings follow plotly.js's own
// esbuild-config.js (regl → @plotly/regl, global → window). Run: npm ci && npm run build

import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, "..", "..", "static", "vendor", "plotly");
const PLOTLY = join(HERE, "node_modules", "plotly.js");

/**
 * Components plotly.js's core registers that no gdviz plot uses (menus, sliders, range
 * sliders and selectors, layout images, subplot grids, 3D annotations): the core is built
 * from plotly.js's src/core.js without their lines (~22 kB less gzip). A plot that sets one
 * of their attributes draws without it. Each line must be found, or the build fails.
 */
const UNUSED_COMPONENTS = ["images", "updatemenus", "sliders", "rangeslider", "rangeselector",
  "grid", "annotations3d"];

/** Each part: the trace types it registers. The first sets window.Plotly. */
const PARTS = {
  "plotly-2d": ["scatter", "contour", "heatmap"],
  "plotly-3d": ["surface", "scatter3d"],
};
const FIRST = Object.keys(PARTS)[0];

function coreSource() {
  let core = readFileSync(join(PLOTLY, "src", "core.js"), "utf8");
  for (const name of UNUSED_COMPONENTS) {
    const line = `    require('./components/${name}'),\n`;
    if (!core.includes(line)) throw new Error(`plotly.js src/core.js no longer registers ${name} on a line of its own`);
    core = core.replace(line, "");
  }
  return core;
}

function entrySource(part, traces) {
  const imports = traces.map((t, i) => `import t${i} from "plotly.js/lib/${t}";`).join("\n");
  const global = part === FIRST ? "globalThis.Plotly = Plotly;\n" : "";
  return `import Plotly from "gdviz:core";\n${imports}\n`
    + `Plotly.register([${traces.map((_, i) => `t${i}`).join(", ")}]);\n${global}export default Plotly;\n`;
}

/** Virtual modules: the entries "part:NAME" and the trimmed core "gdviz:core". */
const entries = {
  name: "gdviz-entries",
  setup(build) {
    build.onResolve({ filter: /^part:/ }, (a) => ({ path: a.path.slice(5), namespace: "part" }));
    build.onLoad({ filter: /.*/, namespace: "part" }, (a) => ({
      contents: entrySource(a.path, PARTS[a.path]), resolveDir: HERE, loader: "js",
    }));
    build.onResolve({ filter: /^gdviz:core$/ }, () => ({ path: "core.js", namespace: "core" }));
    build.onLoad({ filter: /.*/, namespace: "core" }, () => ({
      contents: coreSource(), resolveDir: join(PLOTLY, "src"), loader: "js",
    }));
  },
};

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const result = await esbuild.build({
  entryPoints: Object.fromEntries(Object.keys(PARTS).map((p) => [p, `part:${p}`])),
  bundle: true,
  splitting: true,
  format: "esm",
  outdir: OUT,
  chunkNames: "plotly-core", // one shared chunk; a second one would fail loudly here
  minify: true,
  target: "es2020",
  legalComments: "eof",
  banner: { js: `/* plotly.js ${JSON.parse(readFileSync(join(PLOTLY, "package.json"), "utf8")).version} (MIT, see LICENSE), `
    + "gdviz's partial build: tools/plotly/build.mjs, bundle.json */" },
  alias: { regl: "@plotly/regl", stream: "stream-browserify" },
  define: { global: "window", "define.amd": "false", "process.env.NODE_DEBUG": "false" },
  loader: { ".css": "empty" }, // maplibre's CSS, for map traces this build leaves out
  plugins: [entries],
  metafile: true,
  logLevel: "warning",
});

// Legal comments: moved out of the code into one notices file, the code keeps a pointer.
const notices = [];
const files = readdirSync(OUT).filter((f) => f.endsWith(".js")).sort();
for (const file of files) {
  const text = readFileSync(join(OUT, file), "utf8");
  const at = text.search(/\n\/\*[!*]|\n\/\/[!@]/);
  if (at < 0) continue;
  notices.push(`==== ${file}\n${text.slice(at + 1).trim()}\n`);
  writeFileSync(join(OUT, file), `${text.slice(0, at)}\n//# legal notices: THIRD-PARTY-NOTICES.txt\n`);
}
writeFileSync(join(OUT, "THIRD-PARTY-NOTICES.txt"),
  "Legal comments of the code bundled into the plotly-*.js files (esbuild legalComments).\n\n"
  + notices.join("\n"));
copyFileSync(join(PLOTLY, "LICENSE"), join(OUT, "LICENSE"));

const pkg = (p) => JSON.parse(readFileSync(join(HERE, "node_modules", p, "package.json"), "utf8"));
const allTraces = [...readFileSync(join(PLOTLY, "lib", "index.js"), "utf8")
  .matchAll(/require\('\.\/(\w+)'\)/g)].map((m) => m[1]).filter((t) => t !== "core" && t !== "calendars");
allTraces.unshift("scatter"); // (the core registers it itself)
writeFileSync(join(OUT, "bundle.json"), `${JSON.stringify({
  "plotly.js": pkg("plotly.js").version,
  esbuild: pkg("esbuild").version,
  parts: Object.fromEntries(Object.entries(PARTS).map(([p, t]) => [`${p}.js`, t])),
  shared: "plotly-core.js",
  "components left out": UNUSED_COMPONENTS,
  "every plotly.js trace type": allTraces,
}, null, 2)}\n`);
for (const file of readdirSync(OUT).sort()) {
  console.log(`${file.padEnd(26)} ${readFileSync(join(OUT, file)).length.toLocaleString().padStart(10)} bytes`);
}
void result;
