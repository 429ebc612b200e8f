package api

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/store"
)

var codeLine = regexp.MustCompile(`\b(\d{6})\b`)

// TestCodesFollowContactChange: once a contact change is completed (the
// portal's last step), the next challenge's code goes to the new address
// and the challenge names it, with nothing else done; the old address gets
// nothing. The code still opens in the seal under the new credential.
func TestCodesFollowContactChange(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	n, _ := pan.Parse(cardJA)
	c, err := h.store.CardholderByPAN(ctx, h.cfg.PAN.Sum(n))
	if err != nil {
		t.Fatal(err)
	}
	// A challenge first, so the old email credential exists and is replaced.
	h.start(h.createChallenge(cardJA))
	before := len(h.mails(emailJA))

	const newAddr = "moved@mail.example"
	ch, err := h.store.BeginContactChange(ctx, store.ContactChange{CardholderID: c.ID, Kind: issuer.MethodEmail,
		Value: newAddr, Code: []byte("sealed"), ExpiresAt: h.clock.Now().Add(10 * time.Minute), CreatedAt: h.clock.Now()},
		24*time.Hour, 10)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.CompleteContactChange(ctx, ch.ID, h.clock.Now()); err != nil {
		t.Fatal(err)
	}

	res := h.start(h.createChallenge(cardJA))
	o := h.openChallenge(res.ChallengeToken)
	if o.claims.Dest != "***@mail.example" {
		t.Errorf("challenge dest %q, want the new address masked", o.claims.Dest)
	}
	got := h.mails(newAddr)
	if len(got) != 1 {
		t.Fatalf("%d mails to the new address, want 1", len(got))
	}
	if n := len(h.mails(emailJA)); n != before {
		t.Errorf("the old address got %d more mails", n-before)
	}
	code := codeLine.FindString(got[0].Text)
	if len(o.payload.Codes) != 1 || o.payload.Codes[0].Code != code {
		t.Fatalf("sealed codes %+v, mailed code %q", o.payload.Codes, code)
	}
	cred, err := h.store.CredentialByPublicID(ctx, o.payload.Codes[0].Cred)
	if err != nil || cred.State != issuer.CredActive || cred.Kind != issuer.MethodEmail {
		t.Errorf("sealed credential %+v, %v; want the new active email credential", cred, err)
	}
}
