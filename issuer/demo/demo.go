// Package demo is the data `make run` and the end-to-end tests start from:
// one merchant, "Demo Shop", and enrolled test cardholders. Seeding is
// idempotent, so it runs at every start without piling up rows, and it
// brings changed demo data (a new API key, a new origin) up to date.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/honnin/honnin/issuer/api"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/store"
)

// MerchantName is the demo merchant's account name.
const MerchantName = "Demo Shop"

// DefaultOrigins are where the demo shop runs under `make run`.
var DefaultOrigins = []string{"http://localhost:8080", "http://127.0.0.1:8080"}

// Card is one demo cardholder.
type Card struct {
	// Number is a JCB-range test number (35xx) that passes Luhn and is not a
	// real card; it is printed so people can type it into the shop.
	Number          string
	Email           string
	Method          string
	Locale          string
	PersonalMessage string
	// OTPLocked locks the card's one-time-code credential: the risk engine
	// denies it without a screen (the demo's deny card).
	OTPLocked bool
}

// Note is what the card demonstrates beyond an ordinary purchase, printed
// after it by `issuer demo seed`; "" for none.
func (c Card) Note() string {
	if c.OTPLocked {
		return "deny:otp-locked"
	}
	return ""
}

// country of every demo card, for the risk engine's location rules.
const country = "JP"

// Cards are the demo cardholders: one reading Japanese mail, one English,
// and one whose code credential is locked, so the risk engine denies it.
// The first purchase of each from a new browser is challenged; after a
// successful one, a small purchase from the same browser is frictionless.
var Cards = []Card{
	{Number: "3540123456789016", Email: "demo@mail.jp", Method: "email", Locale: "ja",
		PersonalMessage: "こんにちは、本人さん / Hello from your card issuer"},
	{Number: "3540123456789024", Email: "demo-en@mail.jp", Method: "email", Locale: "en",
		PersonalMessage: "Hello from your card issuer / こんにちは、本人さん"},
	{Number: "3540123456789032", Email: "demo-locked@mail.jp", Method: "email", Locale: "en",
		PersonalMessage: "Your code credential is locked", OTPLocked: true},
}

// Seed makes the demo merchant (with apiKey and origins, DefaultOrigins
// when none) and the demo cardholders exist.
func Seed(ctx context.Context, st *store.Store, h *pan.Hasher, apiKey string, origins []string, now time.Time) (store.Merchant, error) {
	if apiKey == "" {
		return store.Merchant{}, errors.New("demo: seed: empty API key")
	}
	if len(origins) == 0 {
		origins = DefaultOrigins
	}
	m, err := st.EnsureMerchant(ctx, store.Merchant{Name: MerchantName, APIKeyHash: api.HashAPIKey(apiKey),
		Origins: origins, CreatedAt: now})
	if err != nil {
		return store.Merchant{}, fmt.Errorf("demo: seed: %w", err)
	}
	for _, c := range Cards {
		n, err := pan.Parse(c.Number)
		if err != nil {
			return store.Merchant{}, fmt.Errorf("demo: seed: card %s: %w", c.Number, err)
		}
		if _, err := st.UpsertCardholder(ctx, store.Cardholder{
			PANHMAC: h.Sum(n), Last4: n.Last4(), Email: c.Email, PersonalMessage: c.PersonalMessage,
			PreferredMethod: c.Method, Locale: c.Locale, Status: store.CardholderActive, Country: country,
			OTPLocked: c.OTPLocked, CreatedAt: now,
		}); err != nil {
			return store.Merchant{}, fmt.Errorf("demo: seed: %w", err)
		}
	}
	return m, nil
}
