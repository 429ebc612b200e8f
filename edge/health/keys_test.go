package health

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/challenge/challengetest"
)

// keyFolder writes a fresh key folder (as issuer keys init does) and
// loads both processes' keys from it.
func keyFolder(t *testing.T) (challenge.IssuerKeys, challenge.EdgeKeys) {
	t.Helper()
	_, ik, ek := challengetest.Keys(t, challenge.KEMX25519)
	return ik, ek
}

// notYet is k as a rotation whose only key is used from an hour after
// now: published, not signing yet.
func notYet(t *testing.T, k challenge.SigningKey, now time.Time) challenge.SigningKey {
	t.Helper()
	k.NotBefore = now.Add(time.Hour)
	r, err := challenge.NewRotation([]challenge.SigningKey{k}, now)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestIssuerKeysReady(t *testing.T) {
	now := time.Now()
	ik, ek := keyFolder(t)
	other, _ := keyFolder(t)
	for _, c := range []struct {
		name string
		edit func(k *challenge.IssuerKeys)
		want string // "" for ready
	}{
		{"loaded", func(*challenge.IssuerKeys) {}, ""},
		{"no signing key", func(k *challenge.IssuerKeys) { k.Sign = challenge.SigningKey{} }, "no signing key loaded"},
		{"signing key not in use yet", func(k *challenge.IssuerKeys) { k.Sign = notYet(t, k.Sign, now) }, "not in use before"},
		{"published JWKS lacks the key in use", func(k *challenge.IssuerKeys) { k.JWKS = other.JWKS }, "does not verify with the published keys"},
		{"published JWKS unreadable", func(k *challenge.IssuerKeys) { k.JWKS = []byte("{") }, "published JWKS"},
		{"no edge keys", func(k *challenge.IssuerKeys) { k.Edge = nil }, "no edge verification keys"},
		{"only the issuer's own keys for the edge", func(k *challenge.IssuerKeys) {
			k.Edge = challenge.NewKeySet(k.Sign.Public())
		}, "no edge verification keys"},
		{"edge keys not in use yet", func(k *challenge.IssuerKeys) {
			pk := ek.Sign.Public()
			pk.NotBefore = now.Add(time.Hour)
			k.Edge = challenge.NewKeySet(pk)
		}, "none of the 1 edge verification keys is in use yet"},
		{"no seal key", func(k *challenge.IssuerKeys) { k.EdgeSeal = challenge.SealPublicKey{} }, "no edge seal key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			k := ik
			c.edit(&k)
			err := IssuerKeysReady(k, now)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("not ready: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "keys: ")):
				t.Fatalf("got %v, want an error naming the keys and %q", err, c.want)
			}
		})
	}
}

func TestEdgeKeysReady(t *testing.T) {
	now := time.Now()
	ik, ek := keyFolder(t)
	_, other := keyFolder(t)
	for _, c := range []struct {
		name string
		edit func(k *challenge.EdgeKeys)
		want string
	}{
		{"loaded", func(*challenge.EdgeKeys) {}, ""},
		{"no signing key", func(k *challenge.EdgeKeys) { k.Sign = challenge.SigningKey{} }, "no signing key loaded"},
		{"signing key not in use yet", func(k *challenge.EdgeKeys) { k.Sign = notYet(t, k.Sign, now) }, "not in use before"},
		{"no seal key", func(k *challenge.EdgeKeys) { k.Seal = challenge.SealKey{} }, "no seal key"},
		{"seal key's private half of another key", func(k *challenge.EdgeKeys) {
			k.Seal.Private = other.Seal.Private
		}, "seal key"},
		{"no issuer keys", func(k *challenge.EdgeKeys) { k.Issuer = nil }, "no issuer verification keys"},
		{"only edge keys for the issuer", func(k *challenge.EdgeKeys) {
			k.Issuer = challenge.NewKeySet(ek.Sign.Public())
		}, "no issuer verification keys"},
		{"issuer keys not in use yet", func(k *challenge.EdgeKeys) {
			pk := ik.Sign.Public()
			pk.NotBefore = now.Add(time.Hour)
			k.Issuer = challenge.NewKeySet(pk)
		}, "none of the 1 issuer verification keys is in use yet"},
	} {
		t.Run(c.name, func(t *testing.T) {
			k := ek
			c.edit(&k)
			err := EdgeKeysReady(k, now)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("not ready: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "keys: ")):
				t.Fatalf("got %v, want an error naming the keys and %q", err, c.want)
			}
		})
	}
}

// TestKeysCheck: the checks are named "keys" and read the keys in use at
// each run, so a reload (SIGHUP) that leaves no usable key shows at once.
func TestKeysCheck(t *testing.T) {
	ik, ek := keyFolder(t)
	now := time.Now
	issuerIn, edgeIn := ik, ek
	ic := IssuerKeys(func() challenge.IssuerKeys { return issuerIn }, now)
	ec := EdgeKeys(func() challenge.EdgeKeys { return edgeIn }, now)
	for _, c := range []Check{ic, ec} {
		if c.Name != "keys" {
			t.Errorf("check named %q, want keys", c.Name)
		}
	}
	if rep := Run(context.Background(), ic, ec); rep.Status != "ready" {
		t.Fatalf("keys in use: %+v", rep)
	}
	issuerIn.Sign, edgeIn.Issuer = challenge.SigningKey{}, nil
	if err := ic.Run(context.Background()); err == nil {
		t.Error("issuer check after its signing key went: ready")
	}
	if err := ec.Run(context.Background()); err == nil {
		t.Error("edge check after its issuer keys went: ready")
	}
}
