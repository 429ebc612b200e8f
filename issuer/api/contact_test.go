package api

import (
	"testing"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/branding"
	"github.com/honnin/honnin/issuer/store"
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
		func(c *acs.Config) { c.Branding.Color = "#ffff00" },
		func(c *acs.Config) { c.Branding.Logo = "https://card.example/logo.png" },
	} {
		cfg := h.cfg
		edit(&cfg)
		if _, err := acs.New(cfg); err == nil {
			t.Errorf("acs.New took contact %q %q", cfg.IssuerPhone, cfg.PortalURL)
		}
	}
}

// TestStartRangeBrand: a start carries the brand of its card's range over
// the issuer's default brand (issuer serve -branding); a card in a range
// without a brand, or with no ranges at all, gets the default.
func TestStartRangeBrand(t *testing.T) {
	def := contract.Issuer{Logo: "data:image/png;base64,AAAA", Color: "#0b57d0", Accent: "#1a1a1a"}
	gold := contract.Issuer{Name: "Gold Card", Phone: "0120-111-111", Portal: "https://gold.example/", Color: "#7a5c00"}
	goldJSON, err := branding.Encode(gold)
	if err != nil {
		t.Fatal(err)
	}
	wantDefault := contract.Issuer{Name: "Honnin Card", Phone: "0120-123-456", Logo: def.Logo, Color: def.Color, Accent: def.Accent}
	for _, tt := range []struct {
		name   string
		ranges []store.Range
		want   contract.Issuer
	}{
		{"no ranges", nil, wantDefault},
		{"range without a brand", []store.Range{{Start: "354012", End: "354012", Eligible: true}}, wantDefault},
		{"range with a brand", []store.Range{{Start: "354012", End: "354012", Eligible: true, Branding: goldJSON}},
			contract.Issuer{Name: "Gold Card", Phone: "0120-111-111", Portal: "https://gold.example/", Logo: def.Logo, Color: "#7a5c00", Accent: def.Accent}},
		{"a wider range's brand is not the card's", []store.Range{
			{Start: "352800", End: "358999", Eligible: true, Branding: goldJSON},
			{Start: "35401234567", End: "35401234567", Eligible: true},
		}, wantDefault},
		{"unreadable stored brand", []store.Range{{Start: "354012", End: "354012", Eligible: true, Branding: "{"}}, wantDefault},
		{"stored brand the screen cannot show", []store.Range{{Start: "354012", End: "354012", Eligible: true, Branding: `{"color":"#ffff00"}`}}, wantDefault},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.reconfigure(func(c *acs.Config) { c.IssuerPhone, c.Branding = "0120-123-456", def })
			for _, r := range tt.ranges {
				r.CreatedAt = t0
				if _, err := h.store.AddRange(t.Context(), r); err != nil {
					t.Fatal(err)
				}
			}
			res := h.start(h.createChallenge(cardJA))
			if res.Decision != "challenge" || res.Issuer == nil || *res.Issuer != tt.want {
				t.Errorf("start: decision %q, issuer %+v, want %+v", res.Decision, res.Issuer, tt.want)
			}
		})
	}
}
