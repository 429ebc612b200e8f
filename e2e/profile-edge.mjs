// profile-edge.mjs PORT STOPFILE N — where the worker's own CPU goes.
//
// Connects to `node edge/dev.mjs -inspector-port PORT` (the DevTools
// protocol of the worker's isolate: only our worker, not miniflare's routing
// and asset workers nor the local D1), samples the CPU until STOPFILE exists (e2e/bench-edge.sh
// creates it after N verifies), and prints a Markdown table of where the
// sampled time went: Go code in wasm by kind, the JS glue, the D1 client,
// the runtime's own functions (WebCrypto, fetch). Sampling slows the isolate
// (about 2x here), so the table gives shares, and times measured under the
// profiler only as an upper bound.
import { existsSync } from "node:fs";

const [port, stopFile, n] = process.argv.slice(2);
const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
// workerd's inspector (and wrangler's proxy of it) wants a local Origin.
const ws = new WebSocket(targets[0].webSocketDebuggerUrl, { headers: { Origin: "http://127.0.0.1" } });
let seq = 0;
const pending = new Map();
ws.onmessage = async (e) => {
  const m = JSON.parse(typeof e.data === "string" ? e.data : await e.data.text());
  if (m.id && pending.has(m.id)) {
    pending.get(m.id)(m);
    pending.delete(m.id);
  }
};
await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = () => fail(new Error("inspector: cannot connect")); });
const send = (method, params = {}) => new Promise((ok) => {
  const id = ++seq;
  pending.set(id, ok);
  ws.send(JSON.stringify({ id, method, params }));
});
await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: 200 });
await send("Profiler.start");
while (!existsSync(stopFile)) await new Promise((ok) => setTimeout(ok, 100));
const { result } = await send("Profiler.stop");
ws.close();

const p = result.profile;
const node = new Map(p.nodes.map((x) => [x.id, x]));
const parent = new Map();
for (const x of p.nodes) for (const c of x.children || []) parent.set(c, x.id);
const self = new Map();
for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) || 0) + (p.timeDeltas[i] || 0));

// kind is where a sampled function belongs (self time).
function kind(cf) {
  const f = cf.functionName, url = cf.url || "";
  if (url.startsWith("wasm://")) {
    if (/^(runtime|internal_runtime|gcWriteBarrier|wasm_|callRet|memeqbody|memmove|memclr)/.test(f)) return "Go runtime (allocation, GC, scheduler, finalizers of JS values)";
    if (/^(encoding_json|reflect|internal_reflectlite|type_)/.test(f)) return "Go encoding/json and reflect";
    if (/^database_sql|syumai/.test(f)) return "Go database/sql and the D1 driver";
    if (/^(crypto|golang\.org|vendor_golang)/.test(f)) return "Go crypto (ML-KEM, SHA-3, HKDF, ChaCha20-Poly1305)";
    if (/^syscall_js/.test(f)) return "Go syscall/js (JS values)";
    if (/honnin/.test(f)) return "Go edge code (api, challenge, ledger, report, worker)";
    return "Go standard library, other (net/http, time, strings, fmt, slog)";
  }
  if (url.startsWith("cloudflare-internal:d1")) return "D1 client (in the isolate)";
  if (/^__facade|^__name$/.test(f) || /middleware/.test(url)) return "wrangler dev's middleware facade (not deployed)";
  if (url.endsWith("wasm_exec.js")) return "wasm_exec.js (Go's side of the JS bridge: syscall/js calls, values)";
  if (url.endsWith(".js") || url.endsWith(".mjs")) return "JS glue (edge/worker/glue.mjs)";
  if (f === "(garbage collector)") return "V8 garbage collector";
  // Native time outside any JS or wasm frame. The local D1 and miniflare's
  // routing run on the same thread as this isolate, and what they do while
  // the isolate waits on them can be sampled here (or on the glue's frame
  // that waits): from run to run a lump of 4-7 ms per verify moved between
  // this row, the glue's readBody, syscall/js.valueCall and the token check.
  if (f === "(program)") return "V8 and workerd outside JS and wasm (program; may hold the local D1's and routing's work)";
  if (f === "(idle)" || f === "(root)") return "";
  return "runtime built-ins (WebCrypto, fetch, streams)";
}
const kinds = new Map();
let busy = 0;
for (const [id, t] of self) {
  const k = kind(node.get(id).callFrame);
  if (!k) continue;
  busy += t;
  kinds.set(k, (kinds.get(k) || 0) + t);
}
// Inclusive time of the edge's steps, from the Go frames on each stack.
const steps = [
  ["bridge: request into Go (edge/worker newRequest)", "edge_worker.newRequest"],
  ["bridge: response back to JS (edge/worker respond)", "edge_worker.__responseWriter_.respond"],
  ["token check (challenge Verifier.verify, WebCrypto Ed25519)", "edge_challenge.Verifier.verify"],
  ["seal open (X-Wing: ML-KEM-768 in Go, X25519 in WebCrypto)", "edge_challenge.SealKey.Open"],
  ["ledger: count the try (one D1 statement)", "edge_ledger.__SQL_.Attempt"],
  ["report queued, leased to this request (one D1 statement)", "edge_report.__Reporter_.Enqueue"],
  ["report delivered after the response (call token, fetch, delete)", "edge_report.__Reporter_.deliverOne"],
];
const incl = new Map();
for (const [id, t] of self) {
  const seen = new Set();
  for (let x = node.get(id); x; x = node.get(parent.get(x.id))) {
    for (const [label, fn] of steps) {
      if (!seen.has(label) && x.callFrame.functionName.includes(fn)) {
        seen.add(label);
        incl.set(label, (incl.get(label) || 0) + t);
      }
    }
  }
}
const ms = (t) => (t / 1000 / n).toFixed(2);
const pct = (t) => ((100 * t) / busy).toFixed(0) + " %";
console.log(`Sampled CPU of the worker's isolate under the profiler: ${ms(busy)} ms per verify (${n} verifies).`);
console.log();
console.log("| where (self time) | share | ms per verify, profiled |");
console.log("|---|---|---|");
for (const [k, t] of [...kinds].sort((a, b) => b[1] - a[1])) console.log(`| ${k} | ${pct(t)} | ${ms(t)} |`);
console.log();
console.log("| step of a verify (inclusive, Go frames) | share | ms per verify, profiled |");
console.log("|---|---|---|");
for (const [label] of steps) console.log(`| ${label} | ${pct(incl.get(label) || 0)} | ${ms(incl.get(label) || 0)} |`);
// The inspector socket does not always finish closing; nothing is left to do.
process.exit(0);
