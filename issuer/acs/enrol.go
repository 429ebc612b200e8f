package acs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/passhash"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/vault"
)

// Cards enrols cards and gives them their first credentials: the one
// enrolment the CLI (an operator's `cardholder add`), the demo's seed and
// the token import share. It needs no keys and sends nothing, so an
// operator's command can run it beside a serving issuer.
type Cards struct {
	Store *store.Store
	PAN   *pan.Hasher
	Vault *vault.Vault
}

// ErrEnrolled refuses to enrol a card that is enrolled already (unless
// Enrolment.Update).
var ErrEnrolled = errors.New("card enrolled already")

// TokenSeed is a hardware token and its seed, as a vendor's file (or the
// demo) gives it.
type TokenSeed struct {
	Serial string
	Secret []byte
	TOTP   issuer.TOTPParams
}

// Enrolment is a card to enrol and how its holder is reached.
type Enrolment struct {
	Number pan.Number
	// Holder holds the contact details, method, locale, country, message
	// and status; PANHMAC and Last4 come from Number.
	Holder issuer.Cardholder
	// Password is the static password of the password method, hashed here.
	Password string
	// AppSeed registers an authenticator app with this seed at once (the
	// demo's printed seeds); nil leaves app registration to the
	// cardholder (`issuer app issue`, the portal).
	AppSeed []byte
	// Tokens are hardware tokens to import (when new) and assign.
	Tokens []TokenSeed
	// PortalPassword sets the portal password when the card has none.
	PortalPassword string
	// Update brings a card enrolled already to this enrolment instead of
	// refusing it (the demo's re-seed). A credential that exists is never
	// replaced or unlocked: a lock a person caused stays until an operator
	// lifts it.
	Update bool
	// Actor is who enrols, for the audit trail ("operator", "demo");
	// "enrolment" when empty.
	Actor string
	At    time.Time
}

// Enrol enrols e.Number and makes the credentials of its method: the
// email credential always and the SMS one with a phone (codes can go
// there whatever the method), the password, the app or the tokens.
func (k Cards) Enrol(ctx context.Context, e Enrolment) (issuer.Cardholder, error) {
	c := e.Holder.WithDefaults()
	c.PANHMAC, c.Last4, c.CreatedAt = k.PAN.Sum(e.Number), e.Number.Last4(), e.At
	if !c.PreferredMethod.Valid() {
		return issuer.Cardholder{}, fmt.Errorf("acs: enrol *%s: unknown method %q", c.Last4, c.PreferredMethod)
	}
	if c.PersonalMessage != "" {
		msg, err := issuer.CheckPersonalMessage(c.PersonalMessage)
		if err != nil {
			return issuer.Cardholder{}, fmt.Errorf("acs: enrol *%s: %w", c.Last4, err)
		}
		c.PersonalMessage = msg
	}
	if c.PreferredMethod == issuer.MethodPassword && !limits.ValidPassword(e.Password) {
		return issuer.Cardholder{}, fmt.Errorf("acs: enrol *%s: the password method needs a password of 1 to %d characters", c.Last4, limits.PasswordMaxRunes)
	}
	actor := cmp.Or(e.Actor, "enrolment")
	last4 := c.Last4
	var err error
	if e.Update {
		c, err = k.Store.UpsertCardholder(ctx, c)
	} else {
		c, err = k.Store.CreateCardholder(ctx, c)
		if errors.Is(err, store.ErrConflict) {
			return issuer.Cardholder{}, fmt.Errorf("acs: enrol *%s: %w (%v)", last4, ErrEnrolled, err)
		}
	}
	if err != nil {
		return issuer.Cardholder{}, fmt.Errorf("acs: enrol *%s: %w", last4, err)
	}
	if e.PortalPassword != "" {
		if err := k.portalPassword(ctx, c, e.PortalPassword, actor, e.At); err != nil {
			return c, fmt.Errorf("acs: enrol *%s: portal password: %w", last4, err)
		}
	}
	contacts := []issuer.Method{issuer.MethodEmail}
	if c.Phone != "" {
		contacts = append(contacts, issuer.MethodSMS)
	}
	for _, m := range contacts {
		if _, err := k.Store.ContactCredential(ctx, c.ID, m, e.At); err != nil {
			return c, fmt.Errorf("acs: enrol *%s: %s credential: %w", c.Last4, m, err)
		}
	}
	held, err := k.Store.CredentialsOf(ctx, c.ID)
	if err != nil {
		return c, fmt.Errorf("acs: enrol *%s: %w", last4, err)
	}
	for _, cr := range held {
		if cr.Kind == c.PreferredMethod && !cr.Kind.Sends() {
			return c, nil // registered before: keep it as it is
		}
	}
	switch {
	case c.PreferredMethod == issuer.MethodPassword:
		var hash string
		if hash, err = passhash.Hash(e.Password); err == nil {
			_, err = k.Store.SetPassword(ctx, c.ID, hash, e.At)
		}
	case c.PreferredMethod == issuer.MethodApp && e.AppSeed != nil:
		id := challenge.NewID()
		_, err = k.Store.RegisterApp(ctx, c.ID, id, k.Vault.Seal(e.AppSeed, issuer.AppSeedLabel(id)), issuer.TOTPParams{}.WithDefaults(), e.At)
	case c.PreferredMethod == issuer.MethodToken && len(e.Tokens) > 0:
		err = k.assignTokens(ctx, c, e.Tokens, e.At)
	}
	if err != nil {
		return c, fmt.Errorf("acs: enrol *%s: %s credential: %w", c.Last4, c.PreferredMethod, err)
	}
	return c, nil
}

// assignTokens gives c the tokens, importing those not in stock yet (a
// re-seed finds them there).
func (k Cards) assignTokens(ctx context.Context, c issuer.Cardholder, tokens []TokenSeed, now time.Time) error {
	var fresh []TokenSeed
	for _, t := range tokens {
		if _, err := k.Store.TokenBySerial(ctx, t.Serial); errors.Is(err, store.ErrNotFound) {
			fresh = append(fresh, t)
		} else if err != nil {
			return err
		}
	}
	if len(fresh) > 0 {
		if _, err := k.ImportTokens(ctx, fresh, now); err != nil {
			return err
		}
	}
	for _, t := range tokens {
		if _, err := k.Store.AssignToken(ctx, t.Serial, c.ID, now); err != nil {
			return err
		}
	}
	return nil
}

// portalPassword sets the card's portal password unless one is set: one a
// person changed stays.
func (k Cards) portalPassword(ctx context.Context, c issuer.Cardholder, pw, actor string, now time.Time) error {
	hash, err := k.Store.PortalPasswordHash(ctx, c.ID)
	if err != nil || hash != "" {
		return err
	}
	if hash, err = passhash.Hash(pw); err != nil {
		return err
	}
	return k.Store.SetPortalPassword(ctx, c.ID, hash, actor, now)
}

// ImportTokens adds tokens to the issuer's stock, their seeds sealed to
// their serials, all or nothing (a serial in stock already fails it, see
// store.ImportTokens). Every token
// must step every limits.TOTPPeriod seconds: one challenge has one step
// length. It returns how many were new.
func (k Cards) ImportTokens(ctx context.Context, tokens []TokenSeed, now time.Time) (int, error) {
	rows := make([]store.Token, 0, len(tokens))
	for _, t := range tokens {
		p := t.TOTP.WithDefaults()
		if p.Period != limits.TOTPPeriod {
			return 0, fmt.Errorf("acs: token %s steps every %d s; honnin verifies %d-second TOTP tokens only (nothing imported)",
				t.Serial, p.Period, limits.TOTPPeriod)
		}
		rows = append(rows, store.Token{Serial: t.Serial, Seed: k.Vault.Seal(t.Secret, issuer.TokenSeedLabel(t.Serial)), TOTP: p})
	}
	return k.Store.ImportTokens(ctx, rows, now)
}

// Cards is the service's enrolment.
func (s *Service) Cards() Cards { return Cards{Store: s.store, PAN: s.pan, Vault: s.vault} }
