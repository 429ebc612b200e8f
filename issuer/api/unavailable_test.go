package api

import (
	"database/sql"
	"net/http"
	"testing"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/issuer/store"
)

// TestDatabaseUnavailable: a merchant's create while another process holds
// SQLite's write lock past the busy timeout is answered 503 unavailable
// with Retry-After — the request may be sent again — not 500; and once
// the lock is gone the same request succeeds. (PostgreSQL's restart is
// e2e/replica_test.go's.)
func TestDatabaseUnavailable(t *testing.T) {
	h := newHarness(t)
	if store.IsPostgres(h.dbPath) {
		t.Skip("SQLite's write lock; PostgreSQL restarted under load is TestReplicas")
	}
	other, err := sql.Open("sqlite", "file:"+h.dbPath+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	rec := h.do("POST", "/v1/authentications", testAPIKey, validCreate())
	tx.Rollback()
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("create behind another process's write lock: %d %q %s, want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	if e := decodeBody[contract.ErrorBody](t, rec); e.Error != contract.CodeUnavailable {
		t.Errorf("error %q, want %q", e.Error, contract.CodeUnavailable)
	}
	if rec := h.do("POST", "/v1/authentications", testAPIKey, validCreate()); rec.Code != http.StatusCreated {
		t.Errorf("the same create once the lock is gone: %d %s", rec.Code, rec.Body)
	}
}
