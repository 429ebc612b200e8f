package portal

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/honnin/honnin/issuer/pan"
)

// BenchmarkCheckPassword measures the password step for an enrolled card
// with a wrong password and for a card that is not enrolled: the two must
// cost the same (argon2id against the card's hash or the dummy one), so
// timing does not tell whether a card is enrolled.
func BenchmarkCheckPassword(b *testing.B) {
	for _, bc := range []struct{ name, card string }{
		{"enrolled-wrong-password", cardA},
		{"not-enrolled", cardUnknown},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := newHarness(b)
			n, err := pan.Parse(bc.card)
			if err != nil {
				b.Fatal(err)
			}
			key := h.pan.Sum(n)
			r := httptest.NewRequest(http.MethodPost, "/portal/signin", nil)
			for b.Loop() {
				// Clear the card's count so the lock never answers first,
				// and vary the client so the address limit never does.
				h.store.PortalPasswordOK(b.Context(), key)
				pc, err := h.portal.checkPassword(b.Context(), r, bc.card, "wrong-password")
				if err != nil || pc.status != http.StatusUnauthorized {
					b.Fatalf("%d %v", pc.status, err)
				}
				h.clock.Add(IPWindow)
			}
		})
	}
}
