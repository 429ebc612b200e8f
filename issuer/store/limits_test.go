package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
)

func TestCountStart(t *testing.T) { forEachEngine(t, testCountStart) }

// testCountStart: a burst of limits.StartBurst starts, then one per
// limits.StartRefill; a refused start says when the next is allowed.
func testCountStart(t *testing.T, s *Store) {
	f := newFixture(t, s)
	a := f.create(t, "C")
	ctx := context.Background()
	for i := range limits.StartBurst {
		got, err := s.CountStart(ctx, a.ID, t0, limits.StartBurst, limits.StartRefill)
		if err != nil {
			t.Fatalf("start %d of the burst: %v", i+1, err)
		}
		if got.Authentication.ID != a.ID || got.Authentication.Amount != a.Amount || got.Authentication.Status != "C" {
			t.Fatalf("start %d of the burst counted %+v, want authentication %s", i+1, got.Authentication, a.ID)
		}
	}
	_, err := s.CountStart(ctx, a.ID, t0, limits.StartBurst, limits.StartRefill)
	var sl *StartLimitError
	if !errors.As(err, &sl) || !sl.RetryAt.Equal(t0.Add(limits.StartRefill)) {
		t.Fatalf("start past the burst: %v, want a StartLimitError retrying at %v", err, t0.Add(limits.StartRefill))
	}
	if _, err := s.CountStart(ctx, a.ID, t0.Add(limits.StartRefill-time.Millisecond), limits.StartBurst, limits.StartRefill); !errors.As(err, &sl) {
		t.Fatalf("just before the refill: %v, want refused", err)
	}
	if _, err := s.CountStart(ctx, a.ID, t0.Add(limits.StartRefill), limits.StartBurst, limits.StartRefill); err != nil {
		t.Fatalf("after one refill: %v", err)
	}
	if _, err := s.CountStart(ctx, a.ID, t0.Add(limits.StartRefill), limits.StartBurst, limits.StartRefill); !errors.As(err, &sl) {
		t.Fatalf("a second start after one refill: %v, want refused", err)
	}
	if _, err := s.CountStart(ctx, "nope", t0, limits.StartBurst, limits.StartRefill); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown authentication: %v", err)
	}
}

func TestOneChallengePerCard(t *testing.T) { forEachEngine(t, testOneChallengePerCard) }

// testOneChallengePerCard: a card's new challenge ends its open ones as N
// superseded and takes the next seq; a reload or resend of the same
// authentication keeps its seq; another card is not touched.
func testOneChallengePerCard(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	other := f.cardholderPreferring(t, "hmac-other", issuer.MethodEmail)
	first := f.challenge(t, f.cardholder.ID, issuer.MethodEmail, "c1")
	elsewhere := f.challenge(t, other.ID, issuer.MethodEmail, "c9")
	notStarted := f.create(t, "C")
	if first.CardSeq != 1 || elsewhere.CardSeq != 1 {
		t.Fatalf("seqs %d %d, want 1 1", first.CardSeq, elsewhere.CardSeq)
	}
	again, err := s.StartChallenge(ctx, first.ID, Challenge{Method: issuer.MethodEmail, Creds: []string{"c1"}}, t0)
	if err != nil || again.CardSeq != 1 || again.Gen != 2 {
		t.Fatalf("a second start of the same authentication: %+v, %v; want seq 1, gen 2", again, err)
	}
	second := f.challenge(t, f.cardholder.ID, issuer.MethodEmail, "c1")
	if second.CardSeq != 2 {
		t.Errorf("the card's second challenge has seq %d, want 2", second.CardSeq)
	}
	for id, want := range map[string]string{first.ID: "N", elsewhere.ID: "C", notStarted.ID: "C", second.ID: "C"} {
		a, err := s.Authentication(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != want || (want == "N" && a.Reason != contract.ReasonSuperseded) {
			t.Errorf("%s: %s %s, want %s", id, a.Status, a.Reason, want)
		}
	}
	// The edge's report for the superseded one is taken, not a conflict.
	if applied, _, err := s.RecordResult(ctx, Result{JTI: "late", AuthenticationID: first.ID, Status: "N",
		Reason: "cardholder_cancelled", Gen: 2, ReceivedAt: t0}); err != nil || applied {
		t.Errorf("a late report of a superseded authentication: applied %v, %v", applied, err)
	}
}

func TestPushesOnChange(t *testing.T) { forEachEngine(t, testPushesOnChange) }

// testPushesOnChange: every change of a credential's state raises its
// epoch and queues its new state for the edge, in the change's
// transaction; the queue is claimed, leased and done.
func testPushesOnChange(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	c := f.cardholderPreferring(t, "hmac-p", issuer.MethodEmail)
	cred, err := s.ContactCredential(ctx, c.ID, issuer.MethodEmail, t0)
	if err != nil {
		t.Fatal(err)
	}
	if cred.Epoch != 1 {
		t.Fatalf("a new credential's epoch %d, want 1", cred.Epoch)
	}
	steps := []struct {
		name     string
		change   func() error
		failures int
	}{
		{"operator lock", func() error { return s.LockCredential(ctx, cred.ID, issuer.LockOperator, "operator", t0) }, limits.FailuresPerCredential},
		{"unlock", func() error { return s.UnlockCredential(ctx, cred.ID, "operator", t0) }, 0},
		{"revoke", func() error { return s.RevokeCredential(ctx, cred.ID, issuer.LockLost, "cardholder", t0) }, limits.FailuresPerCredential},
	}
	for i, st := range steps {
		if err := st.change(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got := f.cred(t, cred.PublicID)
		if got.Epoch != int64(i+2) {
			t.Errorf("%s: epoch %d, want %d", st.name, got.Epoch, i+2)
		}
	}
	ps, err := s.ClaimPushes(ctx, t0, time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != len(steps) {
		t.Fatalf("%d pushes queued, want %d: %+v", len(ps), len(steps), ps)
	}
	for i, p := range ps {
		if p.Cred != cred.PublicID || p.Epoch != int64(i+2) || p.Failures != steps[i].failures {
			t.Errorf("push %d: %+v, want epoch %d failures %d", i, p, i+2, steps[i].failures)
		}
	}
	if again, _ := s.ClaimPushes(ctx, t0, time.Minute, 10); len(again) != 0 {
		t.Errorf("leased pushes claimed again: %+v", again)
	}
	ids := []int64{ps[0].ID}
	if err := s.PushesFailed(ctx, ids, t0.Add(2*time.Minute), "edge down"); err != nil {
		t.Fatal(err)
	}
	if err := s.PushesDone(ctx, []int64{ps[1].ID, ps[2].ID}); err != nil {
		t.Fatal(err)
	}
	later, _ := s.ClaimPushes(ctx, t0.Add(2*time.Minute), time.Minute, 10)
	if len(later) != 1 || later[0].ID != ps[0].ID || later[0].Tries != 1 {
		t.Errorf("after a failure and the backoff: %+v", later)
	}
}

func TestNoYForInactiveCredential(t *testing.T) { forEachEngine(t, testNoYForInactiveCredential) }

// testNoYForInactiveCredential: a Y reported for a credential locked
// since is recorded as N credential_locked, and a success never resets a
// locked credential's count.
func testNoYForInactiveCredential(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	c := f.cardholderPreferring(t, "hmac-y", issuer.MethodEmail)
	cred, err := s.ContactCredential(ctx, c.ID, issuer.MethodEmail, t0)
	if err != nil {
		t.Fatal(err)
	}
	a := f.challenge(t, c.ID, issuer.MethodEmail, cred.PublicID)
	if _, err := s.RecordAttempts(ctx, a.ID, 3, limits.FailuresPerCredential, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.LockCredential(ctx, cred.ID, issuer.LockOperator, "operator", t0); err != nil {
		t.Fatal(err)
	}
	applied, status, err := s.RecordResult(ctx, Result{JTI: "y1", AuthenticationID: a.ID, Status: "Y", Gen: a.Gen,
		Attempts: 3, Cred: cred.PublicID, ResultToken: "tok", ReceivedAt: t0})
	if err != nil || !applied || status != "N" {
		t.Fatalf("Y of a locked credential: applied %v, status %q, %v; want N", applied, status, err)
	}
	got, _ := s.Authentication(ctx, a.ID)
	if got.Status != "N" || got.Reason != contract.ReasonCredentialLocked || got.ResultToken != "tok" {
		t.Errorf("authentication %s %s %q", got.Status, got.Reason, got.ResultToken)
	}
	if err := s.RecordSuccess(ctx, a.ID, cred.PublicID, 0, 0, t0); err != nil {
		t.Fatal(err)
	}
	if cr := f.cred(t, cred.PublicID); cr.Failures != 3 || cr.State != issuer.CredLocked {
		t.Errorf("after a success of the locked credential: %+v, want its 3 failures kept", cr)
	}
	// The same report again is no conflict.
	if applied, _, err := s.RecordResult(ctx, Result{JTI: "y2", AuthenticationID: a.ID, Status: "Y", Gen: a.Gen,
		Cred: cred.PublicID, ReceivedAt: t0}); err != nil || applied {
		t.Errorf("the refused Y again: %v, %v", applied, err)
	}
}

func TestFailedSendKeepsNoCode(t *testing.T) { forEachEngine(t, testFailedSendKeepsNoCode) }

// testFailedSendKeepsNoCode: a send that failed leaves no kept code, so a
// reload never shows a code nobody received.
func testFailedSendKeepsNoCode(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	a := f.create(t, "C")
	a, err := s.StartChallenge(ctx, a.ID, Challenge{Method: issuer.MethodEmail, Creds: []string{"c"}, Secret: []byte("sealed"), Sent: true}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if a.Secret == nil || a.LastSentAt.IsZero() || !a.GenAt.Equal(t0) {
		t.Fatalf("before the send: %+v", a)
	}
	if err := s.RecordDelivery(ctx, a.ID, a.Gen, false, t0); err != nil {
		t.Fatal(err)
	}
	a, _ = s.Authentication(ctx, a.ID)
	if a.Secret != nil || !a.LastSentAt.IsZero() {
		t.Errorf("after a failed send: secret %v, last sent %v", a.Secret, a.LastSentAt)
	}
}

func TestStartChallengeAfter(t *testing.T) { forEachEngine(t, testStartChallengeAfter) }

// testStartChallengeAfter: of starts racing from the same generation, one
// takes the next; the others are told it moved.
func testStartChallengeAfter(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	a := f.create(t, "C")
	got, err := s.StartChallengeAfter(ctx, a.ID, 0, Challenge{Method: issuer.MethodEmail, Creds: []string{"c"}}, t0)
	if err != nil || got.Gen != 1 {
		t.Fatalf("the first start from gen 0: %+v, %v", got.Gen, err)
	}
	if _, err := s.StartChallengeAfter(ctx, a.ID, 0, Challenge{Method: issuer.MethodEmail, Creds: []string{"c"}}, t0); !errors.Is(err, ErrSuperseded) {
		t.Fatalf("a second start from gen 0: %v, want ErrSuperseded", err)
	}
	if got, err := s.StartChallengeAfter(ctx, a.ID, 1, Challenge{Method: issuer.MethodEmail, Creds: []string{"c"}}, t0); err != nil || got.Gen != 2 {
		t.Fatalf("a start from gen 1: %+v, %v", got.Gen, err)
	}
}
