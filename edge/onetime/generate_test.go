//go:build !(js && wasm)

package onetime

import (
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/limits"
)

func TestGenerate(t *testing.T) {
	for _, digits := range []int{1, 6, 8, 40} {
		c := Generate(digits)
		if len(c) != digits || strings.Trim(c, "0123456789") != "" {
			t.Errorf("Generate(%d) = %q", digits, c)
		}
		if n, err := Normalize(c, digits); err != nil || n != c {
			t.Errorf("Normalize(Generate(%d) = %q) = %q, %v", digits, c, n, err)
		}
	}
}

// TestGenerateUniform catches a broken generator: a digit never or always
// drawn, leading zeros dropped or favoured, codes repeating. Uniformity
// itself comes from the construction (a redraw above 249); a bias as small
// as the one the redraw removes (4 %) would need millions of draws to
// show. 16,666 six-digit codes: each digit is expected 1,667 times in each
// position (σ ≈ 39; the bound, ±15 %, is 6.5σ) and 10,000 times over all
// (σ ≈ 95; ±5 % is 5σ), so a fair generator fails about once in 10^6 runs.
func TestGenerateUniform(t *testing.T) {
	const codes = 100_000 / 6
	var count [6][10]int
	var all [10]int
	distinct := map[string]bool{}
	for range codes {
		c := Generate(6)
		distinct[c] = true
		for i := range 6 {
			count[i][c[i]-'0']++
			all[c[i]-'0']++
		}
	}
	for i := range 6 {
		for d, k := range count[i] {
			if want := codes / 10; k < want*85/100 || k > want*115/100 {
				t.Errorf("position %d: digit %d drawn %d times of %d, want about %d", i, d, k, codes, want)
			}
		}
	}
	for d, k := range all {
		if want := codes * 6 / 10; k < want*95/100 || k > want*105/100 {
			t.Errorf("digit %d drawn %d times of %d, want about %d", d, k, codes*6, want)
		}
	}
	// 16,666 draws from 10^6 codes: about 139 collisions expected.
	if len(distinct) < codes-400 {
		t.Errorf("%d distinct codes of %d", len(distinct), codes)
	}
}

func TestGeneratePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Generate(0) did not panic")
		}
	}()
	Generate(0)
}

// TestPolicyGenerate: what the client and the edge check is what each
// policy draws.
func TestPolicyGenerate(t *testing.T) {
	for name, p := range map[string]Policy{"Purchase": Purchase, "PortalSignIn": PortalSignIn, "ContactChange": ContactChange} {
		if c := p.Generate(); !limits.ValidCode(c) {
			t.Errorf("%s.Generate() = %q, not limits.ValidCode", name, c)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		Generate(6)
	}
}
