package challenge

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
)

// kidsOf returns the kids of a JWKS document.
func kidsOf(t *testing.T, doc []byte) []string {
	t.Helper()
	var set struct{ Keys []struct{ KID string } }
	if err := json.Unmarshal(doc, &set); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.KID)
	}
	return out
}

// kidOf returns the kid in a token's header.
func kidOf(t *testing.T, token string) string {
	t.Helper()
	var h struct{ KID string }
	b, err := b64.DecodeString(strings.Split(token, ".")[0])
	if err != nil || json.Unmarshal(b, &h) != nil {
		t.Fatalf("header of %q", token)
	}
	return h.KID
}

// TestRotation walks a whole rotation through the files: tokens and seals
// made before it still verify and open after it; the new keys are in the
// JWKS and held by the edge before anything uses them; they take over at
// their time without a reload; pruning drops the old keys only once their
// last token has expired.
func TestRotation(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateKeys(dir, KEMX25519); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	oldIssuer, err := LoadIssuerKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	oldEdge, err := LoadEdgeKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Made before the rotation, by processes that never see it.
	sess, err := Sign(oldIssuer.Sign, TypSession, &SessionClaims{registered(IssuerName, EdgeName, "a", "s1", now, now.Add(10*time.Minute)), "https://shop.example", nil, nil, ""})
	if err != nil {
		t.Fatal(err)
	}
	oldSeal, err := oldIssuer.EdgeSeal.At(now).Seal("j1", Payload{PM: "before"})
	if err != nil {
		t.Fatal(err)
	}
	result, err := Sign(oldEdge.Sign, TypResult, &ResultClaims{RegisteredClaims: registered(EdgeName, "https://shop.example", "a", "r1", now, now.Add(5*time.Minute)), Status: contract.StatusAuthenticated})
	if err != nil {
		t.Fatal(err)
	}

	activate := now.Add(time.Hour)
	if err := RotateKeys(dir, "", activate, now); err != nil {
		t.Fatal(err)
	}
	if err := RotateKeys(dir, "", activate.Add(time.Hour), now); err == nil || !strings.Contains(err.Error(), "under way") {
		t.Errorf("second rotation before the first is in use: %v", err)
	}
	ik, err := LoadIssuerKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := LoadEdgeKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ik.Sign.Rotation()) != 2 || len(ek.Sign.Rotation()) != 2 || len(ek.Seal.Ring()) != 2 || len(ik.EdgeSeal.Rotation()) != 2 {
		t.Fatalf("rotations: issuer %d, edge %d, seal %d/%d", len(ik.Sign.Rotation()), len(ek.Sign.Rotation()), len(ek.Seal.Ring()), len(ik.EdgeSeal.Rotation()))
	}
	newIssuer, newEdge, newSeal := ik.Sign.Rotation()[1], ek.Sign.Rotation()[1], ek.Seal.Ring()[1]
	if !newIssuer.NotBefore.Equal(activate) || newSeal.KEM != KEMX25519 {
		t.Errorf("new issuer key from %v (want %v), seal KEM %s", newIssuer.NotBefore, activate, newSeal.KEM)
	}

	// Published before use: the JWKS names every new key now...
	kids := kidsOf(t, ik.JWKS)
	for _, k := range []string{oldIssuer.Sign.KID, newIssuer.KID, oldEdge.Sign.KID, newEdge.KID, oldEdge.Seal.KID, newSeal.KID} {
		if !slices.Contains(kids, k) {
			t.Errorf("JWKS lacks %s: %v", k, kids)
		}
	}
	// ...while everything made now still uses the old keys.
	if s, _ := Sign(ik.Sign, TypSession, &SessionClaims{registered(IssuerName, EdgeName, "a", "s2", now, now.Add(time.Minute)), "https://shop.example", nil, nil, ""}); kidOf(t, s) != oldIssuer.Sign.KID {
		t.Error("issuer signs with the new key before its time")
	}
	if s, _ := Sign(ek.Sign, TypEdge, &EdgeClaims{registered(EdgeName, IssuerName, "a", "e2", now, now.Add(time.Minute))}); kidOf(t, s) != oldEdge.Sign.KID {
		t.Error("edge signs with the new key before its time")
	}
	if got := ik.EdgeSeal.At(activate.Add(-time.Second)).KID; got != oldEdge.Seal.KID {
		t.Errorf("sealed to %s a second before the new key's time", got)
	}

	// After the rotation the edge verifies and opens what was made before.
	at := func(t time.Time) func() time.Time { return func() time.Time { return t } }
	if err := (Verifier{Keys: ek.Issuer, Issuer: IssuerName, Audience: EdgeName, Now: at(now)}).Verify(sess, TypSession, &SessionClaims{}); err != nil {
		t.Errorf("old session token after the rotation: %v", err)
	}
	if p, err := ek.Seal.Open(oldSeal, "j1"); err != nil || p.PM != "before" {
		t.Errorf("old seal after the rotation: %+v %v", p, err)
	}
	merchantKeys, err := ParseJWKS(ik.JWKS)
	if err != nil {
		t.Fatal(err)
	}
	if err := (Verifier{Keys: merchantKeys, Issuer: EdgeName, Audience: "https://shop.example", Now: at(now)}).Verify(result, TypResult, &ResultClaims{}); err != nil {
		t.Errorf("old result token against the new JWKS: %v", err)
	}

	// At its time the new key takes over, in the processes already running.
	later := activate.Add(time.Minute)
	s, err := Sign(ik.Sign, TypSession, &SessionClaims{registered(IssuerName, EdgeName, "a", "s3", later, later.Add(time.Minute)), "https://shop.example", nil, nil, ""})
	if err != nil || kidOf(t, s) != newIssuer.KID {
		t.Fatalf("after its time: kid %s, want %s (%v)", kidOf(t, s), newIssuer.KID, err)
	}
	if err := (Verifier{Keys: ek.Issuer, Issuer: IssuerName, Audience: EdgeName, Now: at(later)}).Verify(s, TypSession, &SessionClaims{}); err != nil {
		t.Errorf("edge verifies the new key's token: %v", err)
	}
	sealed, err := ik.EdgeSeal.At(later).Seal("j3", Payload{PM: "after"})
	if err != nil || sealed.KID != newSeal.KID {
		t.Fatalf("sealed to %s after its time, want %s (%v)", sealed.KID, newSeal.KID, err)
	}
	if p, err := ek.Seal.Open(sealed, "j3"); err != nil || p.PM != "after" {
		t.Errorf("edge opens the new seal: %+v %v", p, err)
	}
	r, err := Sign(ek.Sign, TypResult, &ResultClaims{RegisteredClaims: registered(EdgeName, "https://shop.example", "a", "r3", later, later.Add(time.Minute)), Status: contract.StatusAuthenticated})
	if err != nil || kidOf(t, r) != newEdge.KID {
		t.Errorf("edge result after its time: kid %s (%v)", kidOf(t, r), err)
	}

	// Pruning: nothing while a token of the old keys may live, then the old
	// keys exactly.
	for _, when := range []time.Time{now, activate, activate.Add(RetireAfter - time.Second)} {
		if dropped, err := PruneKeys(dir, when); err != nil || len(dropped) != 0 {
			t.Errorf("prune at %v: dropped %v (%v)", when, dropped, err)
		}
	}
	dropped, err := PruneKeys(dir, activate.Add(RetireAfter))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(dropped)
	want := []string{oldIssuer.Sign.KID, oldEdge.Sign.KID, oldEdge.Seal.KID}
	slices.Sort(want)
	if !slices.Equal(dropped, want) {
		t.Errorf("dropped %v, want %v", dropped, want)
	}
	ik, err = LoadIssuerKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	ek, err = LoadEdgeKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	if kids := kidsOf(t, ik.JWKS); len(kids) != 3 || slices.Contains(kids, oldIssuer.Sign.KID) {
		t.Errorf("JWKS after prune: %v", kids)
	}
	if _, err := ek.Seal.Open(oldSeal, "j1"); !errors.Is(err, ErrSeal) {
		t.Errorf("pruned seal key still opens: %v", err)
	}
	if p, err := ek.Seal.Open(sealed, "j3"); err != nil || p.PM != "after" {
		t.Errorf("new seal after prune: %v", err)
	}
	// Sole keys again, with their time: a new rotation may start.
	if err := RotateKeys(dir, KEMXWing, activate.Add(2*time.Hour), activate.Add(time.Hour)); err != nil {
		t.Errorf("next rotation: %v", err)
	}
}

// TestRotationRefusals: a new key must start in the future, and a missing
// file is named.
func TestRotationRefusals(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateKeys(dir, KEMXWing); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := RotateKeys(dir, "", now, now); err == nil {
		t.Error("a rotation starting now accepted")
	}
	os.Remove(filepath.Join(dir, EdgeSealFile))
	if err := RotateKeys(dir, "", now.Add(time.Hour), now); err == nil || !strings.Contains(err.Error(), EdgeSealFile) {
		t.Errorf("missing seal file: %v", err)
	}
	if _, err := PruneKeys(t.TempDir(), now); err == nil {
		t.Error("prune of an empty folder accepted")
	}
}

// TestSingleKeyFilesLoad: a folder of single keys (keys init's, and every
// folder made before rotations) loads as rotations of one, its files
// unchanged by a prune that has nothing to drop.
func TestSingleKeyFilesLoad(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateKeys(dir, KEMXWing); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, IssuerSignFile))
	if dropped, err := PruneKeys(dir, time.Now()); err != nil || dropped != nil {
		t.Fatalf("prune: %v %v", dropped, err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, IssuerSignFile))
	if string(before) != string(after) || strings.Contains(string(after), `"keys"`) || strings.Contains(string(after), "nbf") {
		t.Errorf("single key file changed or became a set: %s", after)
	}
	ik, err := LoadIssuerKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ik.Sign.Rotation()) != 1 || !ik.Sign.NotBefore.IsZero() {
		t.Errorf("rotation of a single key: %+v", ik.Sign.Rotation())
	}
}
