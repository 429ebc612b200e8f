// Package ledger keeps the edge's state: per authentication (wrong attempts,
// the newest resend generation, its one result), per credential (wrong codes
// compared since its last success, the issuer's newest epoch for it, the
// newest TOTP step accepted), per card (its newest challenge), and the queue
// of outcome reports owed to the issuer.
//
// Each rule is SQL in plain SQLite syntax, so the same statements serve the
// native edge (modernc.org/sqlite, edge/ledger/sqlite) and the Workers edge
// (D1, edge/ledger/d1); native edges that share one ledger run them on
// PostgreSQL, rewritten mechanically (edge/ledger/postgres). D1 has no interactive transactions, so a rule that
// touches one table is one statement whose WHERE clause makes it atomic, and
// a rule that spans tables (count a try per authentication AND per credential
// AND queue its report) is one batch (Batcher): one transaction on both
// runtimes, whose later statements act only if the first one did, by reading
// what it wrote (the try's id).
//
// Two edges racing on one authentication or one credential cannot both win:
// the counting is in the database, never in this process.
package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/limits"
)

// Entry is what the ledger knows about one authentication. The zero Entry is
// an authentication the ledger has not seen.
type Entry struct {
	// Gen is the newest resend generation recorded.
	Gen int
	// Attempts counts wrong codes across every generation.
	Attempts int
	// Finished reports that the authentication already has its result.
	Finished bool
	// ResultToken is that result's token ("" for a result recorded before
	// the edge kept them), and Proof the hash of the challenge jti and code
	// that earned a Y ("" for any other result).
	ResultToken, Proof string
}

// Challenge is what the ledger needs of a challenge to count a try against
// it: from the challenge token's claims and its sealed payload.
type Challenge struct {
	Auth string
	Gen  int
	// Card and CardSeq: the card's opaque id and this challenge's place
	// among the card's challenges ("" and 0 for none).
	Card    string
	CardSeq int64
	// Creds are the credentials the challenge offers, with their epochs.
	Creds []challenge.CredRef
}

// Queued is an outcome report written to the queue (table edge_report) in
// the same transaction as the ledger change it reports: its jti (the
// issuer dedupes on it) and the JSON body posted to the issuer.
type Queued struct {
	JTI, Body string
}

// Leased is a report queued leased to the request that wrote it: the
// request delivers it after its response (edge/report), and if it never
// does (the instance died) the lease ends and the background delivery
// takes it. Body is as stored.
type Leased struct {
	JTI, Body string
	Tries     int
}

// Why the ledger refused to count a try or record a challenge.
var (
	// ErrFinished: the authentication already has its result.
	ErrFinished = errors.New("ledger: authentication already finished")
	// ErrSuperseded: a newer generation (a resend) was recorded.
	ErrSuperseded = errors.New("ledger: generation superseded")
	// ErrCardSuperseded: a newer challenge of the same card was started.
	ErrCardSuperseded = errors.New("ledger: a newer challenge of the card was started")
	// ErrAttempts: the authentication's wrong-code limit was reached
	// before this try (an edge that died between the last try and its
	// result).
	ErrAttempts = errors.New("ledger: attempts used up")
	// ErrCredentialLocked: no credential of the challenge may be compared:
	// each is at its limit of wrong codes, or the issuer changed it since
	// the challenge was sealed (a newer epoch).
	ErrCredentialLocked = errors.New("ledger: credential locked")
	// ErrUnavailable: the database cannot serve now (restarting,
	// unreachable, read-only, its disk full, a writer waited out its
	// turn); nothing was recorded, so no try was counted. The native
	// adapters wrap such errors with it (edge/dbfault); the API answers
	// 503 unavailable with Retry-After.
	ErrUnavailable = errors.New("ledger: database unavailable")
)

// SQL is the ledger over a Batcher. It is safe for concurrent use.
type SQL struct {
	b        Batcher
	rowLocks bool
}

// NewSQL returns the ledger over b. The schema is edge/migrations'.
func NewSQL(b Batcher) *SQL { return &SQL{b: b} }

// WithRowLocks returns l counting tries under the row locks of the
// challenge's credentials (lockCredsSQL), for an engine whose batches run
// side by side (PostgreSQL); SQLite and D1 run one batch at a time, and
// have no FOR UPDATE.
func (l *SQL) WithRowLocks() *SQL { return &SQL{b: l.b, rowLocks: true} }

// Wrapped returns l running its batches through wrap(b), b being the
// batcher it runs them with now: the native edge times them so (its
// admin listener's metrics), whatever the engine.
func (l *SQL) Wrapped(wrap func(Batcher) Batcher) *SQL {
	return &SQL{b: wrap(l.b), rowLocks: l.rowLocks}
}

// one runs a single statement and returns its rows.
func (l *SQL) one(ctx context.Context, q string, args ...any) ([]Row, error) {
	res, err := l.b.Batch(ctx, Stmt{SQL: q, Args: args})
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// credsJSON is the challenge's credentials as the statements read them
// (json_each): [{"id":..,"epoch":..}, ...].
func credsJSON(creds []challenge.CredRef) (string, error) {
	if creds == nil {
		creds = []challenge.CredRef{}
	}
	b, err := json.Marshal(creds)
	return string(b), err
}

const lookupSQL = `SELECT gen, attempts, result_jti IS NOT NULL AS finished,
	COALESCE(result_token, '') AS result_token, COALESCE(proof, '') AS proof
FROM edge_auth WHERE id = ?1`

// Lookup returns what the ledger knows about authID; an unknown id is the
// zero Entry, not an error.
func (l *SQL) Lookup(ctx context.Context, authID string) (Entry, error) {
	rows, err := l.one(ctx, lookupSQL, authID)
	if err != nil {
		return Entry{}, fmt.Errorf("ledger: lookup %s: %w", authID, err)
	}
	if len(rows) == 0 {
		return Entry{}, nil
	}
	r := rows[0]
	return Entry{Gen: int(r.Int("gen")), Attempts: int(r.Int("attempts")), Finished: r.Int("finished") != 0,
		ResultToken: r.String("result_token"), Proof: r.String("proof")}, nil
}

// cardNewerSQL is the condition "a newer challenge of card ?C than seq ?S
// was started", with ?C and ?S replaced by the statement's own numbers.
func cardNewer(card, seq string) string {
	return `EXISTS (SELECT 1 FROM edge_card WHERE card = ` + card + ` AND seq > ` + seq + `)`
}

// credOpen is the condition "credential j (a json_each row of the
// challenge's credentials) may be compared": the edge has no record of it,
// or fewer than the limit ?L wrong codes and no epoch newer than the one
// sealed.
func credOpen(limit string) string {
	return `(c.cred IS NULL OR (c.failures < ` + limit + ` AND c.epoch <= json_extract(j.value, '$.epoch')))`
}

// seeCardSQL records seq as card's newest challenge (it only grows).
const seeCardSQL = `INSERT INTO edge_card (card, seq) SELECT ?1, ?2 WHERE ?1 <> ''
ON CONFLICT (card) DO UPDATE SET seq = excluded.seq, updated = unixepoch()
WHERE excluded.seq > edge_card.seq`

// seeGenSQL records gen as the authentication's newest generation unless a
// newer one, or a newer challenge of its card, was recorded.
var seeGenSQL = `INSERT INTO edge_auth (id, gen) SELECT ?1, ?2 WHERE NOT ` + cardNewer("?3", "?4") + `
ON CONFLICT (id) DO UPDATE SET gen = excluded.gen, updated = unixepoch()
WHERE excluded.gen >= edge_auth.gen
RETURNING gen`

// SeeChallenge records that challenge c was handed out (a start or a
// resend): its gen as the authentication's newest, its card seq as the
// card's newest. Seeing the same challenge again is fine. It refuses
// (ErrSuperseded, ErrCardSuperseded; nothing recorded for the
// authentication) a challenge older than one already recorded.
func (l *SQL) SeeChallenge(ctx context.Context, c Challenge) error {
	res, err := l.b.Batch(ctx,
		Stmt{seeCardSQL, []any{c.Card, c.CardSeq}},
		Stmt{seeGenSQL, []any{c.Auth, c.Gen, c.Card, c.CardSeq}})
	if err != nil {
		return fmt.Errorf("ledger: see gen %d of %s: %w", c.Gen, c.Auth, err)
	}
	if len(res[1]) == 1 {
		return nil
	}
	return l.why(ctx, c, 0)
}

// whySQL says, in one read, why a try or a challenge was refused. (finished
// is an EXISTS, not a COALESCE of a comparison with 0: the same in SQLite,
// and PostgreSQL will not mix a boolean with 0.)
var whySQL = `SELECT
	EXISTS (SELECT 1 FROM edge_auth WHERE id = ?1 AND result_jti IS NOT NULL) AS finished,
	COALESCE((SELECT gen FROM edge_auth WHERE id = ?1), 0) AS gen,
	COALESCE((SELECT attempts FROM edge_auth WHERE id = ?1), 0) AS attempts,
	` + cardNewer("?2", "?3") + ` AS card_newer,
	EXISTS (SELECT 1 FROM json_each(?4) AS j LEFT JOIN edge_cred AS c ON c.cred = json_extract(j.value, '$.id')
		WHERE ` + credOpen("?5") + `) AS cred_open`

// why explains a refusal of c, in the order a client can act on it: a
// result is final; a newer generation is the client's to use; a newer
// challenge of the card, the attempts, or the credentials end it. max is
// the attempts limit (0: not counting a try, so attempts do not matter).
func (l *SQL) why(ctx context.Context, c Challenge, max int) error {
	creds, err := credsJSON(c.Creds)
	if err != nil {
		return err
	}
	rows, err := l.one(ctx, whySQL, c.Auth, c.Card, c.CardSeq, creds, credLimit)
	if err != nil {
		return fmt.Errorf("ledger: why %s: %w", c.Auth, err)
	}
	r := rows[0]
	switch {
	case r.Int("finished") != 0:
		return ErrFinished
	case c.Gen < int(r.Int("gen")):
		return ErrSuperseded
	case r.Int("card_newer") != 0:
		return ErrCardSuperseded
	case max > 0 && int(r.Int("attempts")) >= max:
		return ErrAttempts
	case max > 0 && r.Int("cred_open") == 0:
		return ErrCredentialLocked
	}
	// Nothing stops it now: the state moved between the write and this
	// read (another request finished or counted). Say superseded, which
	// sends the client back to the newest state.
	return ErrSuperseded
}

// credLimit is the per-credential wrong-code limit the statements enforce.
const credLimit = limits.FailuresPerCredential

// countSQL counts one try per authentication: only while the authentication
// has no result, no newer generation, fewer than ?3 tries, no newer
// challenge of its card, and at least one credential that may be compared.
// It marks the row with the try's id, which the batch's other statements
// check, so they act only for a try this statement counted.
var countSQL = `INSERT INTO edge_auth (id, attempts, try_id)
SELECT ?1, 1, ?2 WHERE NOT ` + cardNewer("?5", "?6") + `
	AND EXISTS (SELECT 1 FROM json_each(?7) AS j LEFT JOIN edge_cred AS c ON c.cred = json_extract(j.value, '$.id')
		WHERE ` + credOpen("?8") + `)
ON CONFLICT (id) DO UPDATE SET attempts = edge_auth.attempts + 1, try_id = excluded.try_id, updated = unixepoch()
WHERE edge_auth.attempts < ?3 AND edge_auth.result_jti IS NULL AND edge_auth.gen <= ?4
RETURNING attempts`

// countCredSQL counts the try against every credential of the challenge
// that may be compared, and returns those: the codes of the others are not
// compared.
var countCredSQL = `INSERT INTO edge_cred (cred, last_step, failures, epoch)
SELECT json_extract(j.value, '$.id'), 0, 1, json_extract(j.value, '$.epoch') FROM json_each(?1) AS j
WHERE EXISTS (SELECT 1 FROM edge_auth WHERE id = ?2 AND try_id = ?3)
ON CONFLICT (cred) DO UPDATE SET failures = edge_cred.failures + 1, updated = unixepoch()
WHERE edge_cred.failures < ?4 AND edge_cred.epoch <= excluded.epoch
RETURNING cred`

// queueTrySQL queues the try's report, leased (due ?3) to the request, with
// the authentication's attempts as they stand after the try. A jti already
// queued is an error, which rolls the whole batch back: a try is never
// counted without its report.
const queueTrySQL = `INSERT INTO edge_report (jti, body, due, created)
SELECT ?1, json_set(?2, '$.attempts', a.attempts), ?3, ?4 FROM edge_auth AS a WHERE a.id = ?5 AND a.try_id = ?6
RETURNING body, tries`

// lockCredsSQL locks the challenge's credentials' rows, in one order, for
// the rest of a count's batch, making those it has no row of yet (at the
// epoch sealed, no failures: what countCredSQL would make). countSQL's
// check that a credential may be compared and countCredSQL's count of it
// are two statements: where two batches run at once (PostgreSQL, READ
// COMMITTED), another edge's count could take the credential to its limit
// between them, and the try would be counted against the authentication
// and no credential. Holding the rows, the batch's statements see them as
// they stand, and no one changes them before it commits. (Not used on
// SQLite and D1, whose batches run one at a time.)
const lockCredsSQL = `INSERT INTO edge_cred (cred, last_step, failures, epoch)
SELECT json_extract(value, '$.id'), 0, 0, json_extract(value, '$.epoch') FROM json_each(?1) WHERE true ORDER BY 1
ON CONFLICT (cred) DO UPDATE SET cred = excluded.cred
RETURNING cred`

// Try is one try the ledger counted.
type Try struct {
	// ID marks the try in the ledger.
	ID string
	// Used is the authentication's count of tries, this one included.
	Used int
	// Creds are the public ids of the credentials the try was counted
	// against: the only ones whose codes may be compared.
	Creds []string
	// Report is the try's report, queued leased (a wrong code as the
	// issuer learns of it: status C with Used attempts). Whatever the try
	// turns out to be, End replaces it and Refund takes it back; left
	// alone, it goes to the issuer.
	Report Leased
}

// Count counts one try of a code (or password) against challenge c, per
// authentication (at most max) and per credential (at most
// limits.FailuresPerCredential between two successes), and queues its
// report (q, leased until due) — in one transaction, BEFORE the code is
// judged: judged first, parallel requests would each pass the limits and
// turn them into as many guesses as an attacker can send at once. A refused
// try returns why: ErrFinished, ErrSuperseded, ErrCardSuperseded,
// ErrAttempts or ErrCredentialLocked; nothing was counted or queued.
func (l *SQL) Count(ctx context.Context, c Challenge, max int, q Queued, due, now time.Time) (Try, error) {
	if max < 1 {
		return Try{}, fmt.Errorf("ledger: count %s: max %d < 1", c.Auth, max)
	}
	creds, err := credsJSON(c.Creds)
	if err != nil {
		return Try{}, err
	}
	id := challenge.NewID()
	stmts := []Stmt{
		{countSQL, []any{c.Auth, id, max, c.Gen, c.Card, c.CardSeq, creds, credLimit}},
		{countCredSQL, []any{creds, c.Auth, id, credLimit}},
		{queueTrySQL, []any{q.JTI, q.Body, due.UnixMilli(), now.UnixMilli(), c.Auth, id}},
	}
	if l.rowLocks {
		stmts = append([]Stmt{{lockCredsSQL, []any{creds}}}, stmts...)
	}
	res, err := l.b.Batch(ctx, stmts...)
	if err != nil {
		return Try{}, fmt.Errorf("ledger: count %s: %w", c.Auth, err)
	}
	if l.rowLocks {
		res = res[1:]
	}
	if len(res[0]) != 1 {
		return Try{}, l.why(ctx, c, max)
	}
	t := Try{ID: id, Used: int(res[0][0].Int("attempts"))}
	for _, r := range res[1] {
		t.Creds = append(t.Creds, r.String("cred"))
	}
	if len(res[2]) != 1 {
		return Try{}, fmt.Errorf("ledger: count %s: report %s not queued", c.Auth, q.JTI)
	}
	t.Report = Leased{JTI: q.JTI, Body: res[2][0].String("body"), Tries: int(res[2][0].Int("tries"))}
	return t, nil
}

// Relabel sets the reason of try t's queued report while it is still leased
// to its request (due after now): a TOTP code refused as already used is a
// wrong code whose report says so ("code_used"). It returns the report as
// now queued; ok is false when it had already left.
func (l *SQL) Relabel(ctx context.Context, t Try, reason string, now time.Time) (rep Leased, ok bool, err error) {
	rows, err := l.one(ctx, `UPDATE edge_report SET body = json_set(body, '$.reason', ?2)
WHERE jti = ?1 AND due > ?3 RETURNING body, tries`, t.Report.JTI, reason, now.UnixMilli())
	if err != nil {
		return Leased{}, false, fmt.Errorf("ledger: relabel %s: %w", t.Report.JTI, err)
	}
	if len(rows) != 1 {
		return Leased{}, false, nil
	}
	return Leased{JTI: t.Report.JTI, Body: rows[0].String("body"), Tries: int(rows[0].Int("tries"))}, true, nil
}

// refundAuthSQL, refundCredSQL and dropTrySQL take back a try whose report
// is still queued leased to its request (due after ?3): then nobody has
// told the issuer of it, and nothing does.
const (
	refundAuthSQL = `UPDATE edge_auth SET attempts = attempts - 1, updated = unixepoch()
WHERE id = ?1 AND attempts > 0 AND EXISTS (SELECT 1 FROM edge_report WHERE jti = ?2 AND due > ?3)`
	refundCredSQL = `UPDATE edge_cred SET failures = failures - 1, updated = unixepoch()
WHERE cred IN (SELECT value FROM json_each(?1)) AND failures > 0
	AND EXISTS (SELECT 1 FROM edge_report WHERE jti = ?2 AND due > ?3)`
	dropTrySQL = `DELETE FROM edge_report WHERE jti = ?1 AND due > ?2 RETURNING jti`
)

// Refund takes back try t of authID, which could not be judged (the issuer
// did not answer for a password): a check never made is never counted
// against the cardholder. It reports false when the try's report had
// already left (its lease ended): then the issuer has it, and it stands.
func (l *SQL) Refund(ctx context.Context, authID string, t Try, now time.Time) (bool, error) {
	creds, err := json.Marshal(t.Creds)
	if err != nil {
		return false, err
	}
	at := now.UnixMilli()
	res, err := l.b.Batch(ctx,
		Stmt{refundAuthSQL, []any{authID, t.Report.JTI, at}},
		Stmt{refundCredSQL, []any{string(creds), t.Report.JTI, at}},
		Stmt{dropTrySQL, []any{t.Report.JTI, at}})
	if err != nil {
		return false, fmt.Errorf("ledger: refund %s: %w", authID, err)
	}
	return len(res[2]) == 1, nil
}

// Ending is how an authentication ends, for End.
type Ending struct {
	Auth string
	// ResultJTI and ResultToken are the result token's; Proof, on a Y
	// earned with a code, the hash that lets the same code fetch it again.
	ResultJTI, ResultToken, Proof string
	// Try, when a counted try ended it, is replaced: its queued report is
	// dropped for the final one.
	Try *Try
	// Passed, on a Y, is the credential whose code matched, with the epoch
	// sealed for it: its failures go back to 0 (a success ends the run of
	// wrong codes) unless the issuer changed it since.
	Passed challenge.CredRef
	// Report is the final report, queued leased until due.
	Report Queued
}

// finishSQL claims the authentication's one result slot.
const finishSQL = `INSERT INTO edge_auth (id, result_jti, result_token, proof) VALUES (?1, ?2, ?3, NULLIF(?4, ''))
ON CONFLICT (id) DO UPDATE SET result_jti = excluded.result_jti, result_token = excluded.result_token,
	proof = excluded.proof, updated = unixepoch()
WHERE edge_auth.result_jti IS NULL
RETURNING id`

// ours is the condition "this batch's finish claimed the result".
const ours = `EXISTS (SELECT 1 FROM edge_auth WHERE id = ?2 AND result_jti = ?3)`

const (
	// passedSQL: the credential that matched starts its count again, and
	// the try is taken back from the others it was counted against (their
	// codes did not match, but the guess was right).
	passedSQL = `UPDATE edge_cred SET failures = CASE WHEN cred = ?4 THEN 0 ELSE MAX(failures - 1, 0) END,
	updated = unixepoch()
WHERE cred IN (SELECT value FROM json_each(?1)) AND (cred <> ?4 OR epoch <= ?5) AND ` + ours
	dropReplacedSQL = `DELETE FROM edge_report WHERE jti = ?1 AND ` + ours
	queueEndSQL     = `INSERT INTO edge_report (jti, body, due, created) SELECT ?1, ?4, ?5, ?6 WHERE ` + ours + `
RETURNING body, tries`
)

// End gives e.Auth its one result and queues its report, in one
// transaction: first is false (and nothing changes) when the
// authentication already has a result — exactly one caller per
// authentication gets one, whatever races.
func (l *SQL) End(ctx context.Context, e Ending, due, now time.Time) (rep Leased, first bool, err error) {
	if e.ResultJTI == "" {
		return Leased{}, false, fmt.Errorf("ledger: end %s: empty jti", e.Auth)
	}
	stmts := []Stmt{{finishSQL, []any{e.Auth, e.ResultJTI, e.ResultToken, e.Proof}}}
	if e.Try != nil {
		creds, err := json.Marshal(e.Try.Creds)
		if err != nil {
			return Leased{}, false, err
		}
		if e.Passed.ID != "" {
			stmts = append(stmts, Stmt{passedSQL, []any{string(creds), e.Auth, e.ResultJTI, e.Passed.ID, e.Passed.Epoch}})
		}
		stmts = append(stmts, Stmt{dropReplacedSQL, []any{e.Try.Report.JTI, e.Auth, e.ResultJTI}})
	}
	stmts = append(stmts, Stmt{queueEndSQL, []any{e.Report.JTI, e.Auth, e.ResultJTI, e.Report.Body, due.UnixMilli(), now.UnixMilli()}})
	res, err := l.b.Batch(ctx, stmts...)
	if err != nil {
		return Leased{}, false, fmt.Errorf("ledger: end %s: %w", e.Auth, err)
	}
	if len(res[0]) != 1 {
		return Leased{}, false, nil
	}
	last := res[len(res)-1]
	if len(last) != 1 {
		return Leased{}, false, fmt.Errorf("ledger: end %s: report %s not queued", e.Auth, e.Report.JTI)
	}
	return Leased{JTI: e.Report.JTI, Body: last[0].String("body"), Tries: int(last[0].Int("tries"))}, true, nil
}

const useStepSQL = `INSERT INTO edge_cred (cred, last_step) VALUES (?1, ?2)
ON CONFLICT (cred) DO UPDATE SET last_step = excluded.last_step, updated = unixepoch()
WHERE excluded.last_step > edge_cred.last_step
RETURNING last_step`

// UseStep records step as the newest TOTP step accepted for cred. ok is
// false (nothing changed) when a step at or after it is already recorded:
// that code, or an older one of the same credential, was already used, and
// RFC 6238 §5.2 forbids accepting it again. Recording only the newest step
// (not every used step) is enough because the edge accepts a step only
// within one of now, and is what lets one row per credential do.
func (l *SQL) UseStep(ctx context.Context, cred string, step int64) (ok bool, err error) {
	if cred == "" || step < 1 {
		return false, fmt.Errorf("ledger: use step %d of %q: not a TOTP step of a credential", step, cred)
	}
	rows, err := l.one(ctx, useStepSQL, cred, step)
	if err != nil {
		return false, fmt.Errorf("ledger: use step %d of %s: %w", step, cred, err)
	}
	return len(rows) == 1, nil
}

// setCredsSQL applies the issuer's states: a state of a newer epoch than
// the edge holds replaces failures and epoch; an older or equal one (a
// repeat, or a delivery overtaken by a newer one) changes nothing.
const setCredsSQL = `INSERT INTO edge_cred (cred, last_step, failures, epoch)
SELECT json_extract(value, '$.id'), 0, json_extract(value, '$.failures'), json_extract(value, '$.epoch')
FROM json_each(?1) WHERE true
ON CONFLICT (cred) DO UPDATE SET failures = excluded.failures, epoch = excluded.epoch, updated = unixepoch()
WHERE excluded.epoch > edge_cred.epoch
RETURNING cred`

// SetCredentials applies the issuer's word on credentials (after a lock, an
// unlock, a revocation) and returns how many changed.
func (l *SQL) SetCredentials(ctx context.Context, states []challenge.CredState) (int, error) {
	b, err := json.Marshal(states)
	if err != nil {
		return 0, err
	}
	rows, err := l.one(ctx, setCredsSQL, string(b))
	if err != nil {
		return 0, fmt.Errorf("ledger: set credentials: %w", err)
	}
	return len(rows), nil
}

// Cred is what the edge holds of one credential.
type Cred struct {
	Failures int
	Epoch    int64
	LastStep int64
}

// Credential returns what the ledger holds of cred (zero if nothing).
func (l *SQL) Credential(ctx context.Context, cred string) (Cred, error) {
	rows, err := l.one(ctx, `SELECT failures, epoch, last_step FROM edge_cred WHERE cred = ?1`, cred)
	if err != nil {
		return Cred{}, fmt.Errorf("ledger: credential %s: %w", cred, err)
	}
	if len(rows) == 0 {
		return Cred{}, nil
	}
	return Cred{Failures: int(rows[0].Int("failures")), Epoch: rows[0].Int("epoch"), LastStep: rows[0].Int("last_step")}, nil
}

// pruneRules are the ledger's retention, one rule per table, each a
// condition on ?1 (unix seconds: rows untouched since before it go). An
// authentication's row goes whether or not it finished: its tokens lived
// minutes, so nothing can count or end it any more. A credential's row is
// kept while it holds wrong codes: forgetting them would give an attacker
// a fresh count. The report queue (edge_report) has no rule: a delivered
// report is deleted at delivery, and what stays is owed to the issuer or
// set aside for an operator (edge reports list), never to be lost by age.
var pruneRules = []struct{ table, key, where string }{
	{"edge_auth", "id", `updated < ?1`},
	{"edge_cred", "cred", `updated < ?1 AND failures = 0`},
	{"edge_card", "card", `updated < ?1`},
}

// DefaultPruneBatch is the most rows one prune statement deletes: on
// SQLite each is a write transaction, so a verify waits behind at most one
// batch; on D1 each is one request, well inside its limits.
const DefaultPruneBatch = 1000

// Pruned is what the prune removed from one table (or, in a dry run,
// would remove).
type Pruned struct {
	Table string
	Rows  int64
}

// Prune deletes entries untouched since before, in batches of
// DefaultPruneBatch, and returns how many. Authentication entries must
// outlive every token of their authentication (challenge tokens live 10
// minutes); a credential's step must outlive the window its codes are
// accepted in (a minute or two), its epoch every challenge sealed before
// it; a card's seq the challenges it supersedes. Callers prune with a margin
// of hours, not minutes.
func (l *SQL) Prune(ctx context.Context, before time.Time) (int64, error) {
	got, err := l.PruneTables(ctx, before, DefaultPruneBatch, false)
	var total int64
	for _, p := range got {
		total += p.Rows
	}
	return total, err
}

// PruneTables is Prune per table, with the batch size given: each table's
// rule runs as one statement deleting at most batch rows (a LIMIT
// subquery: plain SQLite, so D1 runs it as the native edge does), again
// until a batch comes back short. With dryRun it only counts.
func (l *SQL) PruneTables(ctx context.Context, before time.Time, batch int, dryRun bool) ([]Pruned, error) {
	if batch < 1 {
		return nil, fmt.Errorf("ledger: prune: batch %d < 1", batch)
	}
	var out []Pruned
	for _, r := range pruneRules {
		p := Pruned{Table: r.table}
		var err error
		if dryRun {
			var rows []Row
			rows, err = l.one(ctx, `SELECT COUNT(*) AS n FROM `+r.table+` WHERE `+r.where, before.Unix())
			if err == nil && len(rows) == 1 {
				p.Rows = rows[0].Int("n")
			}
		} else {
			q := `DELETE FROM ` + r.table + ` WHERE ` + r.key + ` IN (SELECT ` + r.key + ` FROM ` + r.table +
				` WHERE ` + r.where + ` LIMIT ?2) RETURNING 1`
			for err == nil {
				var rows []Row
				rows, err = l.one(ctx, q, before.Unix(), batch)
				p.Rows += int64(len(rows))
				if len(rows) < batch {
					break
				}
				if err == nil {
					err = ctx.Err()
				}
			}
		}
		out = append(out, p)
		if err != nil {
			return out, fmt.Errorf("ledger: prune %s: %w", r.table, err)
		}
	}
	return out, nil
}
