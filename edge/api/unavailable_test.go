package api_test

import (
	"net/http"
	"testing"

	"github.com/honnin/honnin/edge/contract"
)

// TestLedgerUnavailable: a verify whose count the ledger's database
// cannot write (read-only here: SQLITE_READONLY, as a read-only or full
// disk, or a restarting PostgreSQL, gives its own error) answers 503
// unavailable with Retry-After, never 500, and counts nothing: once the
// database takes writes again, the authentication still has all its tries.
func TestLedgerUnavailable(t *testing.T) {
	e := newEnv(t)
	tok := e.start("auth-ro").ChallengeToken
	db := e.ledger.DB()
	// One connection, so the pragma holds for every statement that follows.
	db.SetMaxIdleConns(1)
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`PRAGMA query_only = ON`); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		rep := e.verify(tok, wrongCode)
		want(t, "verify on a read-only ledger", rep, http.StatusServiceUnavailable, contract.CodeUnavailable)
		if got := rep.header.Get("Retry-After"); got != "1" {
			t.Errorf("Retry-After %q, want 1", got)
		}
	}
	if _, err := db.Exec(`PRAGMA query_only = OFF`); err != nil {
		t.Fatal(err)
	}
	rep := e.verify(tok, wrongCode)
	if rep.status != http.StatusOK || rep.Error != "wrong_code" || rep.Display == nil || rep.Display.AttemptsLeft != 4 {
		t.Fatalf("the first try the ledger could write: %d %q %+v, want wrong_code with 4 tries left", rep.status, rep.Error, rep.Display)
	}
}
