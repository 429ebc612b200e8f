package acs

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/honnin/honnin/edge/emv3ds"
	"github.com/honnin/honnin/edge/money"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/authvalue"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/vault"
)

// AVRing keeps the authentication-value keys (issuer/authvalue) in the
// database, each sealed by the vault: the database alone can neither mint
// nor check a value, and every replica sharing the database and the vault
// keys has the same keys.
type AVRing struct {
	Store *store.Store
	Vault *vault.Vault
}

// avKeyAAD binds a sealed key to its id: a sealed key copied to another
// id does not open.
func avKeyAAD(id int) []byte { return []byte("honnin/av-key:" + strconv.Itoa(id)) }

// Load returns the keys, the highest id minting. An issuer's first start
// makes key 1; two replicas starting at once both try to insert it, one
// does, and both read that one.
func (r AVRing) Load(ctx context.Context, now time.Time) (*authvalue.Keys, error) {
	rows, err := r.Store.AVKeys(ctx)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		if _, err := r.Store.AddAVKey(ctx, store.AVKey{ID: 1, Sealed: r.Vault.Seal(authvalue.NewKey(), avKeyAAD(1)), CreatedAt: now}); err != nil {
			return nil, err
		}
		if rows, err = r.Store.AVKeys(ctx); err != nil {
			return nil, err
		}
	}
	keys := make(map[int][]byte, len(rows))
	current := 0
	for _, k := range rows {
		key, err := r.Vault.Open(k.Sealed, avKeyAAD(k.ID))
		if err != nil {
			return nil, fmt.Errorf("acs: authentication-value key %d does not open with the vault keys (was a vault key removed?): %w", k.ID, err)
		}
		keys[k.ID], current = key, max(current, k.ID)
	}
	return authvalue.NewKeys(current, keys)
}

// Rotate adds the next key and retires the others: the new one mints in
// every process that loads the keys after this (a serve started later, or
// a running one when it first checks a value of the new key); the old ones
// still check their values. It returns the new key's id.
func (r AVRing) Rotate(ctx context.Context, now time.Time) (int, error) {
	rows, err := r.Store.AVKeys(ctx)
	if err != nil {
		return 0, err
	}
	next := 1
	if len(rows) > 0 {
		next = rows[len(rows)-1].ID + 1
	}
	if next > 255 {
		return 0, errors.New("acs: all 255 authentication-value key ids are used")
	}
	ok, err := r.Store.AddAVKey(ctx, store.AVKey{ID: next, Sealed: r.Vault.Seal(authvalue.NewKey(), avKeyAAD(next)), CreatedAt: now})
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("acs: authentication-value key %d was added meanwhile (another rotation); nothing done", next)
	}
	if _, err := r.Store.RetireAVKeys(ctx, next, now); err != nil {
		return 0, err
	}
	return next, nil
}

// emvMethod is the EMV authenticationMethod code of m (the layout's
// method byte); "" (no challenge) is authvalue.MethodNone.
func emvMethod(m issuer.Method) string {
	switch m {
	case issuer.MethodPassword:
		return emv3ds.MethodStaticPasscode
	case issuer.MethodSMS:
		return emv3ds.MethodSMSOTP
	case issuer.MethodToken:
		return emv3ds.MethodTokenOTP
	case issuer.MethodApp:
		return emv3ds.MethodAppOTP
	case issuer.MethodEmail:
		return emv3ds.MethodOtherOTP
	}
	return authvalue.MethodNone
}

// mintAV computes the authentication value of a purchase (the card by its
// PAN HMAC, the amount and currency) ending status Y (or A, an attempt) by
// method m ("" for none: frictionless, attempts) at at, and the SHA-256 the
// issuer keeps of it (authentications.av_hash).
func (s *Service) mintAV(panHMAC []byte, amount int64, currency, status string, m issuer.Method, at time.Time) (string, []byte, error) {
	av, err := s.av.Load().Mint(authvalue.Facts{
		Purchase: authvalue.Purchase{PANHMAC: panHMAC, Amount: amount, Currency: currency},
		Status:   status, Method: emvMethod(m), At: at,
	})
	if err != nil {
		return "", nil, fmt.Errorf("acs: authentication value: %w", err)
	}
	h := sha256.Sum256([]byte(av))
	return av, h[:], nil
}

// AVQuery is what the issuer's authorisation host asks about an
// authentication value an authorisation presents: is it the issuer's, for
// this card, amount and currency.
type AVQuery struct {
	PAN      string
	Amount   int64 // minor units of Currency
	Currency string
	AV       string
}

// maxAVLen bounds the value before it is decoded: EMV 2.3.1 allows 4000
// characters, this issuer's are 28.
const maxAVLen = 4000

// CheckAV checks q's value with keys, the card hashed by h, at now. A
// query that cannot be a purchase (no card number, a negative amount, a
// currency not ISO 4217 capitals, no value) is an Invalid refusal; a
// value that does not verify is authvalue's error (authvalue.Reason names
// why). It needs no Service: the CLI calls it with the keys AVRing loads.
func CheckAV(keys *authvalue.Keys, h *pan.Hasher, q AVQuery, now time.Time) (authvalue.Checked, error) {
	n, err := pan.Parse(q.PAN)
	switch {
	case err != nil:
		return authvalue.Checked{}, refuse(Invalid, "bad_request", "pan is not a card number")
	case q.Amount < 0 || q.Amount > money.MaxAmount:
		return authvalue.Checked{}, refuse(Invalid, "bad_request", "amount must be 0 to %d minor units", int64(money.MaxAmount))
	case !currencyCode(q.Currency) && !money.NoPurchase(q.Amount, q.Currency):
		return authvalue.Checked{}, refuse(Invalid, "bad_request",
			"currency must be an ISO 4217 alphabetic code in capitals (JPY), or empty with amount 0 for a non-payment authentication")
	case q.AV == "" || len(q.AV) > maxAVLen:
		return authvalue.Checked{}, refuse(Invalid, "bad_request", "av must be 1 to %d characters", maxAVLen)
	}
	return keys.Verify(q.AV, authvalue.Purchase{PANHMAC: h.Sum(n), Amount: q.Amount, Currency: q.Currency}, now)
}

func currencyCode(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := range 3 {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

// VerifyAV is CheckAV with the service's keys. A value of a key this
// process does not have yet (rotated by another process since it loaded
// them) reloads the keys once, and the newest key mints from then on.
func (s *Service) VerifyAV(ctx context.Context, q AVQuery) (authvalue.Checked, error) {
	now := s.now()
	c, err := CheckAV(s.av.Load(), s.pan, q, now)
	if !errors.Is(err, authvalue.ErrUnknownKey) {
		return c, err
	}
	keys, lerr := AVRing{Store: s.store, Vault: s.vault}.Load(ctx, now)
	if lerr != nil {
		return authvalue.Checked{}, lerr
	}
	s.av.Store(keys)
	return CheckAV(keys, s.pan, q, now)
}
