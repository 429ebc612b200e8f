// Package demo is the data `make run` and the end-to-end tests start from:
// one merchant, "Demo Shop", and enrolled test cardholders. Seeding is
// idempotent, so it runs at every start without piling up rows, and it
// brings changed demo data (a new API key, a new origin) up to date.
package demo

import (
	"context"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/vault"
)

// MerchantName is the demo merchant's account name.
const MerchantName = "Demo Shop"

// DisplayName is the name cardholders are shown for the demo merchant: the
// one the demo shop (web/shop) sends as merchant_name, which the issuer
// accepts only because it is registered here.
const DisplayName = "Demo Shop"

// DefaultOrigins are where the demo shop runs under `make run`.
var DefaultOrigins = []string{"http://localhost:8080", "http://127.0.0.1:8080"}

// Card is one demo cardholder.
type Card struct {
	// Number is a JCB-range test number (35xx) that passes Luhn and is not a
	// real card; it is printed so people can type it into the shop.
	Number          string
	Email           string
	Method          issuer.Method
	Locale          string
	PersonalMessage string
	// Phone is the SMS card's number (E.164).
	Phone string
	// Secret is the app's TOTP seed: fixed, and printed, so a person can
	// add it to any authenticator app (or oathtool) and the tests can
	// compute codes outside honnin. A real seed is random and leaves the
	// issuer only once, to the app.
	Secret []byte
	// Tokens are the token card's hardware tokens (two: the most a card may
	// have), with seeds printed for the same reason.
	Tokens []Token
	// Password is the password card's static password (seed 003).
	Password string
	// OTPLocked locks the card's one-time-code credential: the risk engine
	// denies it without a screen (the demo's deny card).
	OTPLocked bool
}

// Token is a demo hardware token.
type Token struct {
	Serial string
	Secret []byte
}

// Note is what a person (or a test) needs beyond the number to pass the
// card's challenge, or what it demonstrates, printed after it by `issuer
// demo seed` as one word: phone:<e164>, secret:<base32>,
// token:<serial>:<base32>[,<serial>:<base32>], password:<password>, deny:otp-locked; "" for an
// email card.
func (c Card) Note() string {
	switch {
	case c.OTPLocked:
		return "deny:otp-locked"
	case c.Method == issuer.MethodSMS:
		return "phone:" + c.Phone
	case c.Method == issuer.MethodApp:
		return "secret:" + b32(c.Secret)
	case c.Method == issuer.MethodToken:
		ts := make([]string, len(c.Tokens))
		for i, t := range c.Tokens {
			ts[i] = t.Serial + ":" + b32(t.Secret)
		}
		return "token:" + strings.Join(ts, ",")
	case c.Method == issuer.MethodPassword:
		return "password:" + c.Password
	}
	return ""
}

// PortalPassword is the card's password for the cardholder portal:
// "honnin-portal-" and the last 4 digits, so a person trying the demo can
// guess it from the card. The portal's second step is a code to the card's
// email, in the dev inbox.
func (c Card) PortalPassword() string { return "honnin-portal-" + c.Number[len(c.Number)-4:] }

// Linked are the demo cards held by one person (seed 002), linked for
// combined login: signing in to the portal with either manages both.
var Linked = []string{"3540123456789016", "3540123456789024"}

func b32(b []byte) string { return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b) }

// country of every demo card, for the risk engine's location rules.
const country = "JP"

// Cards are the demo cardholders: one per method (email in Japanese and in
// English, SMS, app, hardware token, static password), and one whose code
// credential is locked, so the risk engine denies it. The first purchase of
// each from a new browser is challenged; after a successful one, a small
// purchase from the same browser is frictionless.
var Cards = []Card{
	{Number: "3540123456789016", Email: "demo@mail.jp", Method: "email", Locale: "ja",
		PersonalMessage: "こんにちは、本人さん / Hello from your card issuer"},
	{Number: "3540123456789024", Email: "demo-en@mail.jp", Method: "email", Locale: "en",
		PersonalMessage: "Hello from your card issuer / こんにちは、本人さん"},
	{Number: "3540123456789032", Email: "demo-locked@mail.jp", Method: "email", Locale: "en",
		PersonalMessage: "Your code credential is locked", OTPLocked: true},
	{Number: "3540123456789040", Email: "demo-sms@mail.jp", Method: "sms", Locale: "ja", Phone: "+819012345678",
		PersonalMessage: "SMSでお届けします / codes by SMS"},
	{Number: "3540123456789057", Email: "demo-app@mail.jp", Method: "app", Locale: "en",
		Secret: []byte("honnin-demo-app-seed"), PersonalMessage: "Codes from your authenticator app"},
	{Number: "3540123456789065", Email: "demo-token@mail.jp", Method: "token", Locale: "en",
		Tokens:          []Token{{"HNT00000001", []byte("honnin-demo-token-01")}, {"HNT00000002", []byte("honnin-demo-token-02")}},
		PersonalMessage: "Codes from your hardware tokens"},
	{Number: "3540123456789073", Email: "demo-pw@mail.jp", Method: "password", Locale: "ja",
		Password: "honnin-demo-pw", PersonalMessage: "パスワードで認証 / static password"},
}

// Ranges are the demo issuer's card ranges: the JCB span 3528–3589, in
// which the demo cards lie, and inside it 354099, marked not eligible (seed
// 002), so a card such as NotEligibleCard is answered N not_eligible. A
// card outside both (a 4111… test Visa) is answered U card_range.
var Ranges = []store.Range{
	{Start: "352800", End: "358999", Brand: "JCB", Eligible: true, Note: "demo: the JCB span"},
	{Start: "354099", End: "354099", Brand: "JCB", Eligible: false, Note: "demo: not eligible for authentication"},
}

// NotEligibleCard is a Luhn-valid number in the demo's not-eligible range.
const NotEligibleCard = "3540990000000003"

// Seed makes the demo merchant (with apiKey, DisplayName and origins,
// DefaultOrigins when none), the demo card ranges and the demo cardholders with their
// credentials exist. It never unlocks or replaces a credential that
// exists: a lock a person caused stays until an operator lifts it.
func Seed(ctx context.Context, st *store.Store, h *pan.Hasher, v *vault.Vault, apiKey string, origins []string, now time.Time) (issuer.Merchant, error) {
	if apiKey == "" {
		return issuer.Merchant{}, errors.New("demo: seed: empty API key")
	}
	if len(origins) == 0 {
		origins = DefaultOrigins
	}
	m, err := st.EnsureMerchant(ctx, issuer.Merchant{Name: MerchantName, DisplayName: DisplayName, APIKeyHash: issuer.HashAPIKey(apiKey),
		Origins: origins, CreatedAt: now})
	if err != nil {
		return issuer.Merchant{}, fmt.Errorf("demo: seed: %w", err)
	}
	for _, r := range Ranges {
		r.CreatedAt = now
		if _, err := st.AddRange(ctx, r); err != nil && !errors.Is(err, store.ErrConflict) {
			return issuer.Merchant{}, fmt.Errorf("demo: seed: %w", err)
		}
	}
	for _, c := range Cards {
		if err := seedCard(ctx, acs.Cards{Store: st, PAN: h, Vault: v}, c, now); err != nil {
			return issuer.Merchant{}, fmt.Errorf("demo: seed: card %s: %w", c.Number, err)
		}
	}
	if err := linkCards(ctx, st, h, Linked, now); err != nil {
		return issuer.Merchant{}, fmt.Errorf("demo: seed: %w", err)
	}
	return m, nil
}

// linkCards puts the cards under the first one's person.
func linkCards(ctx context.Context, st *store.Store, h *pan.Hasher, numbers []string, now time.Time) error {
	var person int64
	for i, num := range numbers {
		n, err := pan.Parse(num)
		if err != nil {
			return err
		}
		c, err := st.CardholderByPAN(ctx, h.Sum(n))
		if err != nil {
			return err
		}
		if i == 0 {
			if person, err = st.EnsurePerson(ctx, c.ID, now); err != nil {
				return err
			}
			continue
		}
		if has, err := st.PersonHasCard(ctx, person, c.ID); err != nil || has {
			if err != nil {
				return err
			}
			continue
		}
		if err := st.LinkCard(ctx, person, c.ID, "demo", now); err != nil {
			return err
		}
	}
	return nil
}

func seedCard(ctx context.Context, cards acs.Cards, c Card, now time.Time) error {
	n, err := pan.Parse(c.Number)
	if err != nil {
		return err
	}
	tokens := make([]acs.TokenSeed, len(c.Tokens))
	for i, t := range c.Tokens {
		tokens[i] = acs.TokenSeed{Serial: t.Serial, Secret: t.Secret}
	}
	_, err = cards.Enrol(ctx, acs.Enrolment{
		Number: n,
		Holder: issuer.Cardholder{Email: c.Email, Phone: c.Phone, PersonalMessage: c.PersonalMessage,
			PreferredMethod: c.Method, Locale: c.Locale, Status: issuer.CardholderActive, Country: country,
			OTPLocked: c.OTPLocked},
		Password:       c.Password,
		AppSeed:        c.Secret,
		Tokens:         tokens,
		PortalPassword: c.PortalPassword(),
		Update:         true,
		Actor:          "demo",
		At:             now,
	})
	return err
}
