// edge-twin.mjs — the platform's share of a wrong-code /v1/verify, with the
// edge's own work taken out.
//
// e2e/bench-edge.sh runs this plain-JS worker under edge/dev.mjs exactly as
// it runs the edge (same wrangler.toml, D1 state, static assets, report
// sink) and measures it the same way, from /proc. It does what the edge's
// verify asks of the runtime and nothing else: reads the request's body,
// runs the same D1 batch a wrong code's count is (edge/ledger's countSQL,
// countCredSQL and queueTrySQL; TestBenchTwinSQL fails when they drift),
// answers a JSON body of the same kind, and under waitUntil POSTs the
// report to the issuer's URL and deletes it (edge/report's deleteSQL). What it
// leaves out is the edge: Go, the bridge, the token check, the seal, the
// code check and their crypto. Locally the D1 database and miniflare's routing run inside the
// same workerd process; a deployed worker is billed for neither, so the
// edge's own CPU per verify is the edge's figure less this one.

const countSQL = `INSERT INTO edge_auth (id, attempts, try_id)
SELECT ?1, 1, ?2 WHERE NOT EXISTS (SELECT 1 FROM edge_card WHERE card = ?5 AND seq > ?6)
	AND EXISTS (SELECT 1 FROM json_each(?7) AS j LEFT JOIN edge_cred AS c ON c.cred = json_extract(j.value, '$.id')
		WHERE (c.cred IS NULL OR (c.failures < ?8 AND c.epoch <= json_extract(j.value, '$.epoch'))))
ON CONFLICT (id) DO UPDATE SET attempts = edge_auth.attempts + 1, try_id = excluded.try_id, updated = unixepoch()
WHERE edge_auth.attempts < ?3 AND edge_auth.result_jti IS NULL AND edge_auth.gen <= ?4
RETURNING attempts`;
const countCredSQL = `INSERT INTO edge_cred (cred, last_step, failures, epoch)
SELECT json_extract(j.value, '$.id'), 0, 1, json_extract(j.value, '$.epoch') FROM json_each(?1) AS j
WHERE EXISTS (SELECT 1 FROM edge_auth WHERE id = ?2 AND try_id = ?3)
ON CONFLICT (cred) DO UPDATE SET failures = edge_cred.failures + 1, updated = unixepoch()
WHERE edge_cred.failures < ?4 AND edge_cred.epoch <= excluded.epoch
RETURNING cred`;
const queueTrySQL = `INSERT INTO edge_report (jti, body, due, created)
SELECT ?1, json_set(?2, '$.attempts', a.attempts), ?3, ?4 FROM edge_auth AS a WHERE a.id = ?5 AND a.try_id = ?6
RETURNING body, tries`;
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
    const tryID = crypto.randomUUID();
    const jti = crypto.randomUUID();
    const creds = JSON.stringify([{ id: "twin-cred-" + id, epoch: 1 }]);
    const body0 = JSON.stringify({ jti, sub: id, status: "C", reason: "wrong_code", gen: 1, attempts: 1 });
    const now = Date.now();
    const res = await env.DB.batch([
      env.DB.prepare(countSQL).bind(id, tryID, 5, 1, "twin-card", 1, creds, 10),
      env.DB.prepare(countCredSQL).bind(creds, id, tryID, 10),
      env.DB.prepare(queueTrySQL).bind(jti, body0, now + 45000, now, id, tryID),
    ]);
    const attempts = res[0].results[0].attempts;
    const report = res[2].results[0].body;
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
