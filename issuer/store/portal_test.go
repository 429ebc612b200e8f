package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
)

func TestPortalCardSettings(t *testing.T) { forEachEngine(t, testPortalCardSettings) }

func testPortalCardSettings(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := t.Context()
	id := f.cardholder.ID
	if !f.cardholder.MessageProvisional || !f.cardholder.ServiceStoppedAt.IsZero() {
		t.Fatalf("new card: %+v", f.cardholder)
	}
	if err := f.s.SetPersonalMessage(ctx, id, "a\nb\nc", "cardholder", t0); !errors.Is(err, issuer.ErrInvalidMessage) {
		t.Fatalf("invalid message stored: %v", err)
	}
	if err := f.s.SetPersonalMessage(ctx, id, "ねこ", "cardholder", t0); err != nil {
		t.Fatal(err)
	}
	if err := f.s.StopService(ctx, id, "cardholder", t0); err != nil {
		t.Fatal(err)
	}
	if err := f.s.StopService(ctx, id, "cardholder", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	c, err := f.s.Cardholder(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.PersonalMessage != "ねこ" || c.MessageProvisional || !c.ServiceStoppedAt.Equal(t0) {
		t.Fatalf("after changes: %+v", c)
	}
	// Enrolment again with the same message keeps it final; a new one
	// makes it provisional again.
	c.CreatedAt = t0
	if c, err = f.s.UpsertCardholder(ctx, c); err != nil || c.MessageProvisional {
		t.Fatalf("upsert same message: %+v %v", c, err)
	}
	c.PersonalMessage = "enrolment"
	if c, err = f.s.UpsertCardholder(ctx, c); err != nil || !c.MessageProvisional {
		t.Fatalf("upsert new message: %+v %v", c, err)
	}
	if err := f.s.RestartService(ctx, id, "cardholder", t0); err != nil {
		t.Fatal(err)
	}
	if h, err := f.s.PortalPasswordHash(ctx, id); err != nil || h != "" {
		t.Fatalf("portal password of a new card: %q %v", h, err)
	}
	if err := f.s.SetPortalPassword(ctx, id, "$argon2id$x", "operator", t0); err != nil {
		t.Fatal(err)
	}
	if h, _ := f.s.PortalPasswordHash(ctx, id); h != "$argon2id$x" {
		t.Errorf("portal password %q", h)
	}
	// Every change is in the audit trail, by whom, without the values.
	entries, err := f.s.auditQuery(ctx, `action IN ('personal_message', 'service_stop', 'service_restart', 'portal_password')`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Actor+" "+e.Action)
		if strings.Contains(e.Detail, "ねこ") || strings.Contains(e.Detail, "argon2") {
			t.Errorf("audit entry holds the value: %+v", e)
		}
	}
	want := []string{"cardholder personal_message", "cardholder service_stop", "cardholder service_stop",
		"cardholder service_restart", "operator portal_password"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("audit %v, want %v", got, want)
	}
	for name, err := range map[string]error{
		"message":  f.s.SetPersonalMessage(ctx, 999, "x", "cardholder", t0),
		"sharing":  f.s.SetSharingOptOut(ctx, 999, true, "cardholder", t0),
		"stop":     f.s.StopService(ctx, 999, "cardholder", t0),
		"password": f.s.SetPortalPassword(ctx, 999, "h", "operator", t0),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s of a missing card: %v", name, err)
		}
	}
}

func TestPortalThrottle(t *testing.T) { forEachEngine(t, testPortalThrottle) }

func testPortalThrottle(t *testing.T, s *Store) {
	ctx := t.Context()
	key := []byte("pan-hmac")
	for i := 1; i < 5; i++ {
		if until, err := s.PortalPasswordFailed(ctx, key, t0, 5, 15*time.Minute); err != nil || !until.IsZero() {
			t.Fatalf("failure %d: %v %v", i, until, err)
		}
	}
	until, err := s.PortalPasswordFailed(ctx, key, t0, 5, 15*time.Minute)
	if err != nil || !until.Equal(t0.Add(15*time.Minute)) {
		t.Fatalf("5th failure: %v %v", until, err)
	}
	if got, _ := s.PortalLockedUntil(ctx, key); !got.Equal(until) {
		t.Errorf("locked until %v", got)
	}
	if got, _ := s.PortalLockedUntil(ctx, []byte("other")); !got.IsZero() {
		t.Errorf("other card locked until %v", got)
	}
	if err := s.PortalPasswordOK(ctx, key); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.PortalLockedUntil(ctx, key); !got.IsZero() {
		t.Errorf("after success locked until %v", got)
	}

	for i := 1; i <= 3; i++ {
		if n, err := s.PortalAttempt(ctx, "192.0.2.1", t0.Add(time.Duration(i)*time.Minute), 10*time.Minute); err != nil || n != i {
			t.Fatalf("attempt %d: %d %v", i, n, err)
		}
	}
	if n, _ := s.PortalAttempt(ctx, "192.0.2.2", t0, 10*time.Minute); n != 1 {
		t.Errorf("other address: %d", n)
	}
	// At t0+11m the attempt at t0+1m has left the window.
	if n, _ := s.PortalAttempt(ctx, "192.0.2.1", t0.Add(11*time.Minute), 10*time.Minute); n != 3 {
		t.Errorf("after the window moved: %d", n)
	}
}

func TestPortalSessionsAndPeople(t *testing.T) { forEachEngine(t, testPortalSessionsAndPeople) }

func testPortalSessionsAndPeople(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := t.Context()
	other, err := f.s.UpsertCardholder(ctx, issuer.Cardholder{PANHMAC: []byte("hmac-2"), Last4: "9024", Email: "b@mail.jp", CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	p1, err := f.s.EnsurePerson(ctx, f.cardholder.ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := f.s.EnsurePerson(ctx, f.cardholder.ID, t0); again != p1 {
		t.Fatalf("EnsurePerson twice: %d, %d", p1, again)
	}
	sess := PortalSession{IDHash: []byte("h1"), PersonID: p1, CardholderID: f.cardholder.ID, Locale: "ja", CSRF: "tok",
		CreatedAt: t0, SeenAt: t0}
	if err := f.s.CreatePortalSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetPortalSessionCard(ctx, sess.IDHash, other.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("switch to a card not linked: %v", err)
	}
	if err := f.s.LinkCard(ctx, p1, other.ID, "cardholder", t0); err != nil {
		t.Fatal(err)
	}
	if cards, err := f.s.PersonCards(ctx, p1); err != nil || len(cards) != 2 || cards[1].Last4 != "9024" {
		t.Fatalf("person's cards: %+v %v", cards, err)
	}
	if err := f.s.SetPortalSessionCard(ctx, sess.IDHash, other.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetPortalSessionFlash(ctx, sess.IDHash, "k.saved"); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.PortalSession(ctx, sess.IDHash)
	if err != nil || got.CardholderID != other.ID || got.Flash != "k.saved" {
		t.Fatalf("session %+v %v", got, err)
	}
	if err := f.s.TouchPortalSession(ctx, sess.IDHash, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.PortalSession(ctx, sess.IDHash); got.Flash != "" || !got.SeenAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("after touch %+v", got)
	}
	// Unlinking the managed card ends the sessions managing it.
	if err := f.s.UnlinkCard(ctx, p1, other.ID, "cardholder", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.PortalSession(ctx, sess.IDHash); !errors.Is(err, ErrNotFound) {
		t.Errorf("session managing an unlinked card: %v", err)
	}
	if err := f.s.UnlinkCard(ctx, p1, other.ID, "cardholder", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("unlink twice: %v", err)
	}
	// Stale sessions go.
	fresh := PortalSession{IDHash: []byte("h2"), PersonID: p1, CardholderID: f.cardholder.ID, CSRF: "t", CreatedAt: t0, SeenAt: t0.Add(time.Hour)}
	stale := PortalSession{IDHash: []byte("h3"), PersonID: p1, CardholderID: f.cardholder.ID, CSRF: "t", CreatedAt: t0, SeenAt: t0}
	for _, s := range []PortalSession{fresh, stale} {
		if err := f.s.CreatePortalSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.s.PortalAttempt(ctx, "192.0.2.9", t0, time.Minute); err != nil {
		t.Fatal(err)
	}
	if n, err := f.s.PrunePortal(ctx, t0.Add(time.Minute), t0.Add(-time.Hour), t0.Add(time.Second)); err != nil || n != 1 {
		t.Errorf("stale sessions removed: %d %v", n, err)
	}
	if _, err := f.s.PortalSession(ctx, fresh.IDHash); err != nil {
		t.Errorf("fresh session removed: %v", err)
	}
	if n, _ := f.s.PortalAttempt(ctx, "192.0.2.9", t0.Add(time.Second), time.Hour); n != 1 {
		t.Errorf("old attempt kept: %d in the window", n)
	}
}

func TestPortalCodes(t *testing.T) { forEachEngine(t, testPortalCodes) }

func testPortalCodes(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := t.Context()
	c := PortalCode{IDHash: []byte("code-1"), CardholderID: f.cardholder.ID, Purpose: PortalCodeSignIn, Code: []byte("sealed"),
		ExpiresAt: t0.Add(10 * time.Minute), CreatedAt: t0}
	if err := f.s.CreatePortalCode(ctx, c); err != nil {
		t.Fatal(err)
	}
	bad := c
	bad.IDHash, bad.Purpose = []byte("code-2"), "contact"
	if err := f.s.CreatePortalCode(ctx, bad); err == nil {
		t.Error("unknown purpose stored")
	}
	if n, err := f.s.PortalCodeWrong(ctx, c.IDHash); err != nil || n != 1 {
		t.Fatalf("wrong try: %d %v", n, err)
	}
	if err := f.s.UsePortalCode(ctx, c.IDHash, t0.Add(10*time.Minute), 5); !errors.Is(err, ErrConflict) {
		t.Errorf("use at expiry: %v", err)
	}
	if err := f.s.UsePortalCode(ctx, c.IDHash, t0, 1); !errors.Is(err, ErrConflict) {
		t.Errorf("use past the tries: %v", err)
	}
	if err := f.s.UsePortalCode(ctx, c.IDHash, t0, 5); err != nil {
		t.Fatal(err)
	}
	if err := f.s.UsePortalCode(ctx, c.IDHash, t0, 5); !errors.Is(err, ErrConflict) {
		t.Errorf("second use: %v", err)
	}
	got, err := f.s.PortalCode(ctx, c.IDHash)
	if err != nil || !got.UsedAt.Equal(t0) || got.Tries != 1 || got.PersonID != 0 {
		t.Errorf("code %+v %v", got, err)
	}
	if _, err := f.s.PortalCode(ctx, []byte("none")); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing code: %v", err)
	}
}

func TestCardHistory(t *testing.T) { forEachEngine(t, testCardHistory) }

func testCardHistory(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := t.Context()
	for i := range 3 {
		a := issuer.Authentication{MerchantID: f.merchant.ID, CardholderID: f.cardholder.ID, Amount: int64(100 + i), Currency: "JPY",
			MerchantName: "Shop", MerchantOrigin: "http://localhost:8080", Status: "C", CreatedAt: t0.Add(time.Duration(i) * time.Minute)}
		if _, err := f.s.CreateAuthentication(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	list, more, err := f.s.CardHistory(ctx, f.cardholder.ID, 0, 2)
	if err != nil || !more || len(list) != 2 || list[0].Amount != 102 || list[1].Amount != 101 {
		t.Fatalf("first page: %v %v %v", list, more, err)
	}
	list, more, err = f.s.CardHistory(ctx, f.cardholder.ID, 2, 2)
	if err != nil || more || len(list) != 1 || list[0].Amount != 100 {
		t.Fatalf("second page: %v %v %v", list, more, err)
	}
	if _, _, err := f.s.CardHistory(ctx, f.cardholder.ID, -1, 2); err == nil {
		t.Error("negative offset accepted")
	}
}
