package acs

import (
	"strings"
	"testing"
)

func TestCode(t *testing.T) {
	seen := map[string]bool{}
	var first [10]int
	const n = 20000
	for range n {
		c := newCode()
		if len(c) != 6 || strings.Trim(c, "0123456789") != "" {
			t.Fatalf("code %q", c)
		}
		seen[c] = true
		first[c[0]-'0']++
	}
	// 20000 draws from 10^6 codes: ~200 collisions expected; far more means
	// a broken generator.
	if len(seen) < n-400 {
		t.Errorf("%d distinct codes of %d", len(seen), n)
	}
	// Each leading digit ~2000 times; a bias like always-0 shows at once.
	for d, k := range first {
		if k < 1600 || k > 2400 {
			t.Errorf("leading digit %d drawn %d times of %d", d, k, n)
		}
	}
	av, hash := newAV()
	if len(av) != 28 || len(hash) != 32 {
		t.Errorf("AV %q (%d), hash %d bytes", av, len(av), len(hash))
	}
}
