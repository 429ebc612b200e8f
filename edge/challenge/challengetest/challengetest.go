// Package challengetest gives tests a key folder as `issuer keys init`
// writes it, and both processes' keys loaded from it: the setup every test
// of tokens, seals, key sets and readiness starts from.
package challengetest

import (
	"path/filepath"
	"testing"

	"github.com/honnin/honnin/edge/challenge"
)

// Keys writes a fresh key folder (seals with kem) in a temporary folder of
// t and returns it with the issuer's and the edge's keys loaded from it.
func Keys(t testing.TB, kem challenge.KEM) (dir string, ik challenge.IssuerKeys, ek challenge.EdgeKeys) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "keys")
	if err := challenge.GenerateKeys(dir, kem); err != nil {
		t.Fatal(err)
	}
	ik, err := challenge.LoadIssuerKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	ek, err = challenge.LoadEdgeKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, ik, ek
}
