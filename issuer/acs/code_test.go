package acs

import (
	"crypto/sha256"
	"encoding/base64"
	"testing"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/authvalue"
)

// TestAV: an authentication value is 20 bytes in base64 (an EMV CAVV's
// size), minted for the purchase and method it names, different for every
// authentication, and the issuer keeps its SHA-256, never the value. (The
// codes are edge/onetime's: see its TestGenerateUniform.)
func TestAV(t *testing.T) {
	f := newFixture(t)
	card := f.cfg.PAN.Sum(mustPAN(t, "3540123456789016"))
	buy := authvalue.Purchase{PANHMAC: card, Amount: 1250, Currency: "JPY"}
	methods := map[issuer.Method]string{"": "00", issuer.MethodPassword: "01", issuer.MethodSMS: "02",
		issuer.MethodToken: "03", issuer.MethodApp: "04", issuer.MethodEmail: "05"}
	seen := map[string]bool{}
	for m, code := range methods {
		for _, status := range []string{"Y", "A"} {
			for range 100 {
				av, hash, err := f.svc.mintAV(card, 1250, "JPY", status, m, t0)
				if err != nil {
					t.Fatal(err)
				}
				raw, err := base64.StdEncoding.DecodeString(av)
				if err != nil || len(raw) != 20 || len(av) != 28 {
					t.Fatalf("AV %q: %d bytes, %v", av, len(raw), err)
				}
				if want := sha256.Sum256([]byte(av)); string(hash) != string(want[:]) {
					t.Fatalf("AV %q: kept hash is not its SHA-256", av)
				}
				got, err := f.svc.av.Load().Verify(av, buy, t0)
				if err != nil || got.Status != status || got.Method != code || !got.At.Equal(t0) {
					t.Fatalf("%q %s AV %q verifies as %+v, %v; want %s method %s", m, status, av, got, err, status, code)
				}
				seen[av] = true
			}
		}
	}
	// 1200 values, 16 random bits each among 12 fact sets: a pair collides
	// with chance 2^-16, so nearly all are distinct.
	if len(seen) < 1150 {
		t.Errorf("1200 values: only %d distinct", len(seen))
	}
	if _, _, err := f.svc.mintAV(card, 1250, "JPY", "N", issuer.MethodEmail, t0); err == nil {
		t.Error("minted a value for N")
	}
}
