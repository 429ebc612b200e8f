package issuer

import (
	"crypto/rand"
	"crypto/sha256"
	"slices"
	"time"
)

// Merchant is an account allowed to create authentications.
type Merchant struct {
	ID int64
	// Name is the account name, the operator's label for the merchant.
	Name string
	// DisplayName is the name cardholders are shown (challenge screen,
	// code mail and SMS, portal history), set by the operator: a request
	// cannot put text of its own there. It is Name unless set otherwise.
	DisplayName string
	// APIKeyHash is the SHA-256 of the merchant's API key.
	APIKeyHash []byte
	// Origins are the exact origins (scheme://host[:port]) the merchant's
	// checkout pages are served from; the result is posted only to one.
	Origins []string
	// OriginNames are the display names the operator set for some of the
	// origins: a checkout served from one shows its name, not DisplayName.
	OriginNames map[string]string
	// Descriptors are further names the operator allows the merchant to
	// send per order (merchant_name), sorted.
	Descriptors []string
	CreatedAt   time.Time
}

// ShownName is the name cardholders are shown for a checkout served from
// origin when the request names none: the origin's display name, or the
// merchant's.
func (m Merchant) ShownName(origin string) string {
	if n := m.OriginNames[origin]; n != "" {
		return n
	}
	return m.DisplayName
}

// AllowsName reports whether the merchant may send name (exactly) as the
// name to show for a checkout served from origin: its display name, that
// origin's display name, or one of its descriptors. Another origin's name
// is not allowed: it belongs to that storefront.
func (m Merchant) AllowsName(origin, name string) bool {
	return name != "" && (name == m.DisplayName || name == m.OriginNames[origin] || slices.Contains(m.Descriptors, name))
}

// NewAPIKey returns a fresh merchant API key: 256 random bits, base32, with
// a prefix so a leaked key is recognisable in a secret scanner.
func NewAPIKey() string { return "hk_" + rand.Text() + rand.Text() }

// HashAPIKey is how an API key is stored and looked up. SHA-256 without salt
// or stretching is right for a key of 256 random bits: nobody can guess
// such a key, so slowing down guesses buys nothing, and an unsalted hash
// can be looked up by index.
func HashAPIKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// MaxDisplayName is the longest name a cardholder is shown for a merchant,
// in characters: the operator's display names and descriptors, and a
// request's merchant_name, are held to it (a line of the challenge screen,
// the mail and the SMS).
const MaxDisplayName = 64
