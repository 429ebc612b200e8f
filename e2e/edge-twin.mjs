// edge-twin.mjs — the platform's share of a wrong-code /v1/verify, with the
// edge's own work taken out.
//
// e2e/bench-edge.sh runs this plain-JS worker under edge/dev.mjs exactly as
// it runs the edge (same wrangler.toml, D1 state, static assets, report
// sink) and measures it the same way, from /proc. It does what the edge's
// verify asks of the runtime and nothing else: reads the request's body,
// runs the same three D1 statements (edge/ledger's attemptSQL, edge/report's
// enqueueClaimedSQL and deleteSQL; TestBenchTwinSQL in both packages fails
// when they drift), answers a JSON body of the same kind, and under
// waitUntil POSTs a report of the same size to the issuer's URL. What it
// leaves out is the edge: Go, the bridge, the token check, the seal, the
// code check and their crypto. Locally the D1 database and miniflare's routing run inside the
// same workerd process; a deployed worker is billed for neither, so the
// edge's own CPU per verify is the edge's figure less this one.

const attemptSQL = `INSERT INTO edge_auth (id, attempts) VALUES (?1, 1)
ON CONFLICT (id) DO UPDATE SET attempts = edge_auth.attempts + 1, updated = unixepoch()
WHERE edge_auth.attempts < ?2 AND edge_auth.result_jti IS NULL AND edge_auth.gen <= ?3
RETURNING attempts`;
const enqueueClaimedSQL = `INSERT INTO edge_report (jti, body, due, created) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (jti) DO NOTHING RETURNING tries`;
const deleteSQL = `DELETE FROM edge_report WHERE jti = ?1`;

// A call token of the length the edge's Ed25519 JWT has.
const callToken = "x".repeat(280);

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (request.method !== "POST" || url.pathname !== "/v1/verify") {
      return new Response("not found\n", { status: 404 });
    }
    const body = JSON.parse(await request.text());
    if (typeof body.challenge_token !== "string") {
      return Response.json({ error: "bad_request", message: "challenge_token is missing" }, { status: 400 });
    }
    const id = crypto.randomUUID();
    const rows = await env.DB.prepare(attemptSQL).bind(id, 5, 0).raw({ columnNames: true });
    const attempts = rows[1][0];
    const jti = crypto.randomUUID();
    const report = JSON.stringify({ jti, sub: id, status: "C", reason: "wrong_code", gen: 0, attempts });
    const now = Date.now();
    await env.DB.prepare(enqueueClaimedSQL).bind(jti, report, now + 60000, now).raw({ columnNames: true });
    ctx.waitUntil((async () => {
      const resp = await fetch(env.HONNIN_ISSUER_URL + "/internal/v1/results", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer " + callToken },
        body: report,
      });
      await resp.arrayBuffer();
      if (resp.ok) await env.DB.prepare(deleteSQL).bind(jti).run();
    })());
    return Response.json(
      { error: "wrong_code", message: "The code is not right.", attempts_left: 5 - attempts },
      { headers: { "cache-control": "no-store" } },
    );
  },
};
