package api

import (
	"testing"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/issuer/acs"
)

// TestStartContact: the issuer's configured contact goes to the edge with
// every start, a challenge and a deny alike (the deny's screen has no
// challenge token to carry it), with only what is configured.
func TestStartContact(t *testing.T) {
	for _, tt := range []struct {
		name          string
		phone, portal string
		want          contract.Issuer
	}{
		{"name only", "", "", contract.Issuer{Name: "Honnin Card"}},
		{"all", "0120-123-456", "https://card.example/portal/",
			contract.Issuer{Name: "Honnin Card", Phone: "0120-123-456", Portal: "https://card.example/portal/"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.reconfigure(func(c *acs.Config) { c.IssuerPhone, c.PortalURL = tt.phone, tt.portal })
			res := h.start(h.createChallenge(cardJA))
			if res.Decision != "challenge" || res.Issuer == nil || *res.Issuer != tt.want {
				t.Errorf("challenge start: decision %q, issuer %+v, want %+v", res.Decision, res.Issuer, tt.want)
			}
			if err := h.store.WatchMerchant(t.Context(), h.merchant.ID, "test", t0); err != nil {
				t.Fatal(err)
			}
			res = h.startWith(h.createChallenge(cardJA), tokyo, contract.EdgeSignals{IP: "203.0.113.7"})
			if res.Decision != "deny" || res.Issuer == nil || *res.Issuer != tt.want {
				t.Errorf("denied start: decision %q, issuer %+v, want %+v", res.Decision, res.Issuer, tt.want)
			}
		})
	}
}

// TestBadContactRefused: a contact no screen could show is a configuration
// error at start-up, not a screen without it later.
func TestBadContactRefused(t *testing.T) {
	h := newHarness(t)
	for _, edit := range []func(*acs.Config){
		func(c *acs.Config) { c.PortalURL = "javascript:alert(1)" },
		func(c *acs.Config) { c.IssuerPhone = "0120\n123" },
	} {
		cfg := h.cfg
		edit(&cfg)
		if _, err := acs.New(cfg); err == nil {
			t.Errorf("acs.New took contact %q %q", cfg.IssuerPhone, cfg.PortalURL)
		}
	}
}
