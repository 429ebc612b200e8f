package acs

// App registration (seed 000). The member site
// shows a registration ID and mails a registration password, both valid 30
// minutes and single use; the app sends both to POST /v1/app/register and
// gets the TOTP secret (an otpauth:// URI and its QR code). Splitting the
// two halves over screen and mail means neither a shoulder-surfer nor a
// mailbox thief alone can register an app. Registering revokes the
// cardholder's previous app, so a changed or lost phone needs nothing on
// the old device.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/onetime"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/totp"
	"github.com/honnin/honnin/issuer/vault"
)

// AppRegistrationValidity is how long a registration ID and password work.
const AppRegistrationValidity = 30 * time.Minute

// appTOTP is what an app is registered with: the seeds' 60-second, 6-digit
// codes, and SHA1 because several popular authenticator apps silently
// ignore any other algorithm.
var appTOTP = issuer.TOTPParams{}.WithDefaults()

// ErrRegistrationRefused is every refused registration: unknown, expired,
// used, or a wrong password. One error for all, so a caller learns nothing
// about which.
var ErrRegistrationRefused = errors.New("acs: registration ID or password is wrong, expired or already used")

// Notifier mails the registration password (dispatch.Mailer, or the
// outbox in front of it).
type Notifier interface {
	SendNotice(context.Context, dispatch.Notice) error
}

// Apps issues and redeems app registrations: the portal and the CLI issue
// them, the app redeems them through the API.
type Apps struct {
	Store      *store.Store
	Vault      *vault.Vault
	Mail       Notifier
	IssuerName string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (r *Apps) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Registration is a registration ID to show the cardholder; its password
// has been mailed.
type Registration struct {
	ID      string
	Expires time.Time
}

// Issue creates a registration for the cardholder and mails its password.
// An earlier unused registration of the cardholder stops working.
func (r *Apps) Issue(ctx context.Context, cardholderID int64) (Registration, error) {
	c, err := r.Store.Cardholder(ctx, cardholderID)
	if err != nil {
		return Registration{}, fmt.Errorf("acs: app registration: %w", err)
	}
	if c.Email == "" {
		return Registration{}, fmt.Errorf("acs: app registration: cardholder *%s has no email address for the password", c.Last4)
	}
	now := r.now()
	id, password := newID(), newPassword()
	reg := store.AppRegistration{ID: id, CardholderID: c.ID, PasswordHash: hash(password),
		ExpiresAt: now.Add(AppRegistrationValidity), CreatedAt: now}
	if err := r.Store.CreateAppRegistration(ctx, reg); err != nil {
		return Registration{}, fmt.Errorf("acs: app registration: %w", err)
	}
	if err := r.Mail.SendNotice(ctx, dispatch.Notice{Kind: dispatch.NoticeAppPassword, To: c.Email, Locale: textLocale(c.Locale),
		IssuerName: r.IssuerName, Last4: c.Last4, Password: password, Expires: reg.ExpiresAt}); err != nil {
		return Registration{}, fmt.Errorf("acs: app registration: %w", err)
	}
	return Registration{ID: id, Expires: reg.ExpiresAt}, nil
}

// Registered is what the app receives.
type Registered struct {
	// URI is the otpauth:// URI with the secret; QR is it as a PNG.
	URI        string
	QR         []byte
	Credential issuer.Credential
}

// Register redeems a registration: it makes a new TOTP seed, stores it
// sealed as the cardholder's app (revoking the previous app and any static
// password) and returns it for the app. The secret is returned exactly
// once; the issuer keeps it only sealed.
func (r *Apps) Register(ctx context.Context, id, password string) (Registered, error) {
	id, err := NormalizeRegistrationID(id)
	if err != nil || password == "" {
		return Registered{}, ErrRegistrationRefused
	}
	now := r.now()
	cardholderID, err := r.Store.ClaimAppRegistration(ctx, id, hash(strings.TrimSpace(password)), now)
	if errors.Is(err, store.ErrNotFound) {
		return Registered{}, ErrRegistrationRefused
	}
	if err != nil {
		return Registered{}, fmt.Errorf("acs: app registration: %w", err)
	}
	c, err := r.Store.Cardholder(ctx, cardholderID)
	if err != nil {
		return Registered{}, fmt.Errorf("acs: app registration: %w", err)
	}
	secret := totp.NewSecret()
	publicID := challenge.NewID()
	cred, err := r.Store.RegisterApp(ctx, cardholderID, publicID, r.Vault.Seal(secret, issuer.AppSeedLabel(publicID)), appTOTP, now)
	if err != nil {
		return Registered{}, fmt.Errorf("acs: app registration: %w", err)
	}
	uri := totp.URI(r.IssuerName, "card ending "+c.Last4, totp.Params{Secret: secret, Digits: appTOTP.Digits, Period: appTOTP.Period, Algorithm: appTOTP.Algorithm})
	qr, err := totp.QRPNG(uri, 256)
	if err != nil {
		return Registered{}, fmt.Errorf("acs: app registration: %w", err)
	}
	return Registered{URI: uri, QR: qr, Credential: cred}, nil
}

// idDigits is the registration ID's length: typed by hand into the app.
// Together with the password's ~50 bits, 5 tries and 30 minutes, guessing
// is out of reach.
const idDigits = 10

// NormalizeRegistrationID reads an ID as a person typed it: the one rule
// of typed codes (edge/onetime: full-width digits, spaces and hyphens).
func NormalizeRegistrationID(s string) (string, error) { return onetime.Normalize(s, idDigits) }

// passwordAlphabet has no 0/O, 1/l/I: the password is read from a mail and
// typed into a phone.
const passwordAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

func newID() string { return randomFrom("0123456789", idDigits) }

func newPassword() string { return randomFrom(passwordAlphabet, 10) }

func randomFrom(alphabet string, n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err) // crypto/rand never fails since Go 1.24
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}

// hash is how a registration password is kept: it is random and
// high-entropy, so a fast hash suffices.
func hash(password string) []byte {
	h := sha256.Sum256([]byte(strings.ToUpper(password)))
	return h[:]
}
