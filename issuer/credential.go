package issuer

import (
	"github.com/honnin/honnin/edge/limits"
	"time"
)

// Credential states. Only an active credential is offered (sealed to the
// edge); a locked one keeps counting failures; a revoked one is history.
const (
	CredActive  = "active"
	CredLocked  = "locked"
	CredRevoked = "revoked"
)

// Lock reasons (Credential.LockReason): why a credential is locked or
// revoked.
const (
	LockFailures   = "failures"   // too many consecutive wrong codes
	LockCardholder = "cardholder" // the cardholder locked it
	LockOperator   = "operator"   // the issuer's staff did
	LockLost       = "lost"       // a token reported lost
	LockReleased   = "released"   // an app given up by the cardholder
	LockReplaced   = "replaced"   // a new app, or an app/token superseding the password
)

// TOTPParams are an app's or a token's RFC 6238 parameters.
type TOTPParams struct {
	Digits    int
	Period    int // seconds
	Algorithm string
}

// WithDefaults fills unset parameters with 6 digits, 60 s, SHA1: the
// values every authenticator app honours.
func (p TOTPParams) WithDefaults() TOTPParams {
	if p.Digits == 0 {
		p.Digits = limits.CodeDigits
	}
	if p.Period == 0 {
		p.Period = limits.TOTPPeriod
	}
	if p.Algorithm == "" {
		p.Algorithm = "SHA1"
	}
	return p
}

// Credential is one way a cardholder proves it is them.
type Credential struct {
	ID int64
	// PublicID is what the edge sees: the cred of the sealed codes and the
	// key of its used-step record.
	PublicID     string
	CardholderID int64
	Kind         Method
	State        string // CredActive ...
	LockReason   string // "" or Lock...
	// Failures counts consecutive wrong codes across authentications.
	Failures int
	// Epoch counts the changes of the credential's state (lock, unlock,
	// revocation), from 1. A challenge seals it; the edge refuses a
	// challenge sealed at an older epoch than the newest it was told of.
	Epoch int64
	// LastStep is the newest TOTP step accepted, Drift its distance from
	// the step of the clock then.
	LastStep int64
	Drift    int
	// Seed is the vault-sealed seed, under SeedLabel: an app's or, for
	// a token, the token's.
	Seed         []byte
	TOTP         TOTPParams // app and token
	Serial       string     // token
	PasswordHash string     // password: argon2id PHC string
	// Zero times mean never.
	CreatedAt, UpdatedAt, LockedAt, LastUsedAt time.Time
}

// SeedLabel is the additional data a credential's seed is sealed under
// (vault.Seal): an app's seed is bound to its credential, a token's to its
// serial (the token's seed exists before it is assigned to anyone), so a
// sealed seed copied to another row does not open.
func (c Credential) SeedLabel() []byte {
	if c.Kind == MethodToken {
		return TokenSeedLabel(c.Serial)
	}
	return AppSeedLabel(c.PublicID)
}

// AppSeedLabel is the seal label of the app credential publicID.
func AppSeedLabel(publicID string) []byte { return []byte("cred:" + publicID) }

// TokenSeedLabel is the seal label of the hardware token serial.
func TokenSeedLabel(serial string) []byte { return []byte("token:" + serial) }

// SerialEnd is what the cardholder is shown of a token's serial: its last
// four characters, enough to tell their tokens apart (the challenge screen,
// the portal, the lock notice) and too little to name the token elsewhere.
func SerialEnd(serial string) string {
	if len(serial) <= 4 {
		return serial
	}
	return serial[len(serial)-4:]
}
