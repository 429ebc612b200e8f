// Serves the built worker (make edge-build) in workerd on one port, as
// `wrangler dev --local` would, but without wrangler's dev proxy: the
// engine is the same miniflare (and workerd) that wrangler runs, from
// edge/package-lock.json, reading the same wrangler.toml.
//
// Why not `wrangler dev`: it answers the browser from a proxy worker (one
// Durable Object in a second workerd) that forwards each request to the
// worker's runtime, and that proxy now and then leaves a request
// unanswered until some other connection closes. Chromium loading the
// challenge page stalled on one of its files in about one page load in ten
// on a busy machine (measured: 9 of 86 loads; 0 of 65 sent straight to the
// worker's runtime or through this script). See edge/README.md, "The edge
// in workerd, locally".
//
//	node edge/dev.mjs -config edge/wrangler.toml -port 8787 -persist DIR \
//	  -vars edge/.dev.vars -cf edge/dev-cf.json
//
// -persist is wrangler's --persist-to (the D1 state that `wrangler d1
// migrations apply --local --persist-to DIR` prepared); -vars a .dev.vars
// file of variables and secrets; -cf the request.cf every request gets
// (a request's own MF-CF-Blob header, which only the local runtime
// honours, replaces it); -scheduled-every how many seconds apart the cron
// trigger runs (wrangler.toml's cron is every minute, the default here;
// wrangler dev never runs it on its own; 0 never); -inspector-port a port
// for the DevTools protocol of the worker's isolate (e2e/profile-edge.mjs,
// none by default). Stops on SIGTERM or SIGINT.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Log, LogLevel, Miniflare } from "miniflare";

function flags(argv) {
  const out = {
    config: "wrangler.toml", ip: "127.0.0.1", port: "8787", persist: ".wrangler/state",
    vars: "", cf: "", "scheduled-every": "60", "inspector-port": "",
  };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^-+/, "");
    if (!(name in out) || i + 1 >= argv.length) {
      throw new Error(`dev.mjs: unknown flag or missing value: ${argv[i]}`);
    }
    out[name] = argv[i + 1];
  }
  return out;
}

// setting reads `key = "value"` from our wrangler.toml: the few keys used
// here appear once each in it, so this is not a TOML parser.
function setting(toml, key) {
  const m = toml.match(new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, "m"));
  if (!m) throw new Error(`dev.mjs: no ${key} in wrangler.toml`);
  return m[1];
}

// devVars reads a .dev.vars file: NAME='value' (or "value", or bare) lines.
function devVars(file) {
  const vars = {};
  if (!file) return vars;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = line.match(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:'([^']*)'|"([^"]*)"|(.*?))\s*$/);
    if (m) vars[m[1]] = m[2] ?? m[3] ?? m[4];
  }
  return vars;
}

const f = flags(process.argv.slice(2));
const toml = readFileSync(f.config, "utf8");
const dir = path.dirname(path.resolve(f.config));
const at = (p) => path.resolve(dir, p);
const main = at(setting(toml, "main"));
const vars = { HONNIN_ISSUER_URL: setting(toml, "HONNIN_ISSUER_URL"), ...devVars(f.vars) };

const mf = new Miniflare({
  host: f.ip,
  port: Number(f.port),
  modules: true,
  scriptPath: main,
  modulesRoot: path.dirname(main),
  modulesRules: [
    { type: "ESModule", include: ["**/*.mjs", "**/*.js"] },
    { type: "CompiledWasm", include: ["**/*.wasm"] },
  ],
  compatibilityDate: setting(toml, "compatibility_date"),
  bindings: vars,
  d1Databases: { [setting(toml, "binding")]: setting(toml, "database_id") },
  d1Persist: path.join(path.resolve(f.persist), "v3", "d1"),
  assets: { directory: at(setting(toml, "directory")), routerConfig: { has_user_worker: true } },
  // An object, not a path: miniflare would fetch Cloudflare's own cf.json
  // for a missing or month-old file.
  cf: f.cf ? JSON.parse(readFileSync(f.cf, "utf8")) : false,
  logRequests: true,
  inspectorPort: f["inspector-port"] ? Number(f["inspector-port"]) : undefined,
  log: new Log(LogLevel.INFO),
});
const url = await mf.ready;
console.log(`honnin edge in workerd: ready on ${url}`);

// The cron trigger, straight to the worker (miniflare's
// /cdn-cgi/handler/scheduled reaches the static-assets router instead
// when there are assets, and fails).
const cron = toml.match(/^crons\s*=\s*\[\s*"([^"]+)"/m)?.[1];
const every = Number(f["scheduled-every"]);
if (cron && every > 0) {
  const worker = await mf.getWorker();
  (async function tick() {
    try {
      const r = await worker.scheduled({ cron });
      if (r.outcome !== "ok") console.error(`dev.mjs: scheduled: ${r.outcome}`);
    } catch (e) {
      console.error("dev.mjs: scheduled:", e);
    }
    setTimeout(tick, every * 1000).unref();
  })();
}

let stopping = false;
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    await mf.dispose();
    process.exit(0);
  });
}
