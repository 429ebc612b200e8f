package money

import "testing"

func TestNumeric(t *testing.T) {
	for _, c := range []struct{ n, a string }{{"392", "JPY"}, {"840", "USD"}, {"978", "EUR"}, {"036", "AUD"}, {"901", "TWD"}} {
		if got, ok := ByNumeric(c.n); !ok || got != c.a {
			t.Errorf("ByNumeric(%s) = %q, %v; want %s", c.n, got, ok, c.a)
		}
		if got, ok := NumericOf(c.a); !ok || got != c.n {
			t.Errorf("NumericOf(%s) = %q, %v; want %s", c.a, got, ok, c.n)
		}
	}
	if _, ok := ByNumeric("999"); ok {
		t.Error("999 (no currency) was mapped")
	}
	seen := map[string]bool{}
	for n, a := range numeric {
		if len(n) != 3 || !Valid(a) {
			t.Errorf("entry %s → %s: not a 3-digit code of a currency honnin knows", n, a)
		}
		if seen[a] {
			t.Errorf("%s listed twice", a)
		}
		seen[a] = true
	}
}
