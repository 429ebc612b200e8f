// The JS half of edge/worker: keeps warm Go instances and hands each one
// request at a time. Copied next to app.wasm and wasm_exec.js (from
// github.com/syumai/workers' generator, whose run(instance, context) gives
// every instance its own globalThis.context) by `make edge-build`.
//
// Why a pool and not one shared instance: workerd ties timers and I/O to the
// request that created them, and a Go instance runs whatever goroutine is
// ready inside whichever request's callback it is in. Shared, one request's
// fetch or timer can end up owned by another request, and workerd cancels
// requests it thinks hang. One request per instance at a time keeps each
// request's I/O its own; an idle instance is reused at once (LIFO, so the
// warmest one), and a new one starts only when all are busy.
import "./wasm_exec.js";
import mod from "./app.wasm";

// Each Go instance holds 6-12 MiB; the isolate has 128 MB. Keep in step
// with worker.MaxInstances.
const MAX_INSTANCES = 6;
// Keep in step with worker.MaxBody.
const MAX_BODY = 64 * 1024;

const idle = [];
let live = 0;

let started = 0;

function start() {
  started++;
  console.log(`honnin: starting Go instance #${started} (${live} live)`);
  const go = new Go();
  const context = { env: undefined, ctx: undefined, binding: {} };
  const inst = { go, context, binding: context.binding, onExit: null };
  go.exit = (code) => {
    console.error(`honnin: Go instance exited (${code}); a new one will start`);
    if (inst.onExit) inst.onExit(code);
  };
  const wasm = new WebAssembly.Instance(mod, { ...go.importObject, workers: { ready() {} } });
  // main runs synchronously up to its select{}, registering binding.serve.
  go.run(wasm, context).catch(() => {});
  if (typeof inst.binding.serve !== "function") {
    throw new Error("honnin: the Go instance did not register");
  }
  return inst;
}

async function acquire() {
  for (;;) {
    const inst = idle.pop();
    if (inst) {
      if (!inst.go.exited) return inst;
      live--;
      continue;
    }
    if (live < MAX_INSTANCES) {
      live++;
      try {
        return start();
      } catch (e) {
        live--;
        throw e;
      }
    }
    // All busy: wait on a timer of this request's own (a promise settled by
    // another request would look like a hang to workerd).
    await new Promise((r) => setTimeout(r, 1));
  }
}

function release(inst) {
  inst.onExit = null;
  if (inst.go.exited) {
    live--;
    return;
  }
  idle.push(inst);
}

function jsonError(status, error, message) {
  return new Response(JSON.stringify({ error, message }) + "\n", {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

// A body over MAX_BODY is still read, and dropped, up to DRAIN_LIMIT bytes
// before the 413 goes out: workerd answering while the client is still
// sending, and closing, resets the connection, and the client then never
// sees the 413. A longer upload is cut off (reset) unread.
const DRAIN_LIMIT = 1024 * 1024;

// readBody returns the body, or null when it is longer than MAX_BODY; it
// keeps at most MAX_BODY bytes in memory.
async function readBody(request) {
  const len = request.headers.get("content-length");
  if (len !== null && Number(len) > DRAIN_LIMIT) return null;
  const reader = request.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > DRAIN_LIMIT) {
      await reader.cancel();
      return null;
    }
    if (total <= MAX_BODY) chunks.push(value);
  }
  if (total > MAX_BODY) return null;
  const body = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    body.set(c, off);
    off += c.byteLength;
  }
  return body;
}

const nullBodyStatus = new Set([101, 204, 205, 304]);

// call runs one exchange with an instance: start(inst, respond, finish)
// calls into Go; the response and the end of the request's background work
// come back through respond and finish.
async function call(env, ctx, begin) {
  const inst = await acquire();
  inst.context.env = env;
  inst.context.ctx = ctx;
  let respond, finish;
  const response = new Promise((r) => (respond = r));
  const finished = new Promise((r) => (finish = r));
  inst.onExit = () => {
    respond(null);
    finish();
  };
  try {
    begin(inst.binding, respond, finish);
  } catch (e) {
    console.error("honnin: call into Go failed:", e);
    respond(null);
    finish();
  }
  ctx.waitUntil(finished.then(() => release(inst)));
  return response;
}

async function fetch(request, env, ctx) {
  let body;
  if (request.body) {
    body = await readBody(request);
    if (body === null) return jsonError(413, "too_large", `the body is over ${MAX_BODY} bytes`);
  }
  const out = await call(env, ctx, (b, respond, finish) =>
    b.serve(head(request), body, (status, headers, body) => respond({ status, headers, body }), finish));
  if (out === null) return jsonError(500, "internal", "internal error");
  const nobody = nullBodyStatus.has(out.status) || request.method === "HEAD";
  return new Response(nobody ? null : out.body, { status: out.status, headers: parseHeaders(out.headers) });
}

// head is the request's head for Go as one string (edge/worker/head.go):
// one string crosses the JS-Go bridge at a fraction of the cost of a JS
// value per header name and value. "\n"-terminated lines: method, URL,
// client IP, request.cf's country, ASN, colo, TLS version, then
// "name: value" per header (neither a URL nor a header holds a newline).
function head(request) {
  const cf = request.cf ?? {};
  let s = `${request.method}\n${request.url}\n${request.headers.get("cf-connecting-ip") ?? ""}\n` +
    `${cf.country ?? ""}\n${typeof cf.asn === "number" ? cf.asn : ""}\n${cf.colo ?? ""}\n${cf.tlsVersion ?? ""}\n`;
  for (const [name, value] of request.headers) s += `${name}: ${value}\n`;
  return s;
}

// parseHeaders reads the response's headers as Go wrote them: a
// "name: value\n" line per value.
function parseHeaders(s) {
  const h = new Headers();
  for (let i = 0; i < s.length; ) {
    const nl = s.indexOf("\n", i);
    const line = s.slice(i, nl);
    const c = line.indexOf(": ");
    h.append(line.slice(0, c), line.slice(c + 2));
    i = nl + 1;
  }
  return h;
}

async function scheduled(event, env, ctx) {
  await call(env, ctx, (b, respond, finish) => {
    respond(null);
    b.scheduled(finish);
  });
}

export default { fetch, scheduled };
