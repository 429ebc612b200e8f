package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/sms"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/totp"
)

// TOTP verification: the step the seeds use and how many steps either
// side of the edge's clock it accepts (RFC 6238 §5.2 allows one step of
// network delay).
const (
	totpPeriod = limits.TOTPPeriod
	totpSkew   = limits.TOTPSkew
)

// sends reports whether a method's code is sent to the cardholder (and so
// can be resent) rather than produced on their side.
func sends(method string) bool { return method == store.KindEmail || method == store.KindSMS }

// errNoCredential: the cardholder has no usable credential of their method
// (all locked or none registered); such a card is never challenged.
var errNoCredential = jsonapi.Errorf(http.StatusConflict, "credential_locked",
	"the cardholder's authentication method is locked or not registered")

// usable returns the cardholder's method and its active credentials; none
// when every credential of the method is locked or none is registered.
func (s *Server) usable(ctx context.Context, c store.Cardholder, now time.Time) (string, []store.Credential, error) {
	method := c.PreferredMethod
	switch method {
	case store.KindEmail, store.KindSMS:
		cred, err := s.store.ContactCredential(ctx, c.ID, method, now)
		if err != nil {
			return method, nil, err
		}
		if cred.State != store.CredActive {
			return method, nil, nil
		}
		return method, []store.Credential{cred}, nil
	case store.KindApp, store.KindToken, store.KindPassword:
		creds, err := s.store.ActiveCredentials(ctx, c.ID, method)
		return method, creds, err
	}
	return method, nil, fmt.Errorf("api: cardholder %d has unknown method %q", c.ID, method)
}

// sealedCodes are the codes a challenge seals to the edge: the sent code
// (step 0) for email and SMS — none when it was not delivered —, every TOTP code of each credential for the
// token's lifetime ±1 step for app and token, none for the password (the
// issuer checks it).
func (s *Server) sealedCodes(method string, creds []store.Credential, code string, from, to time.Time) ([]challenge.Code, int, int, error) {
	switch method {
	case store.KindEmail, store.KindSMS:
		if code == "" {
			// Not delivered (the send failed, or the cap refused it):
			// nothing is sealed, so nothing can match.
			return nil, int(codeValidity / time.Second), 0, nil
		}
		return []challenge.Code{{Cred: creds[0].PublicID, Step: 0, Code: code}}, int(codeValidity / time.Second), 0, nil
	case store.KindPassword:
		return nil, int(codeValidity / time.Second), 0, nil
	}
	var codes []challenge.Code
	for _, cred := range creds {
		seed, err := s.vault.Open(cred.Seed, seedAAD(cred))
		if err != nil {
			return nil, 0, 0, fmt.Errorf("api: open seed of credential %s: %w", cred.PublicID, err)
		}
		p := totp.Params{Secret: seed, Digits: cred.TOTP.Digits, Period: cred.TOTP.Period, Algorithm: cred.TOTP.Algorithm}
		if p.Period != totpPeriod {
			// One challenge has one step length; tokens of another are
			// refused at assignment, so this is a corrupt row.
			return nil, 0, 0, fmt.Errorf("api: credential %s has a %d s period, want %d", cred.PublicID, p.Period, totpPeriod)
		}
		steps, err := totp.Window(p, from, to, totpSkew)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("api: codes of credential %s: %w", cred.PublicID, err)
		}
		for _, st := range steps {
			codes = append(codes, challenge.Code{Cred: cred.PublicID, Step: st.Step, Code: st.Code})
		}
	}
	return codes, totpPeriod, totpSkew, nil
}

// seedAAD binds a sealed seed to its row: an app's seed to its credential,
// a token's to its serial, so a ciphertext copied to another row does not
// open.
func seedAAD(c store.Credential) []byte {
	if c.Kind == store.KindToken {
		return []byte("token:" + c.Serial)
	}
	return []byte("cred:" + c.PublicID)
}

// dest is where the challenge screen says the code is, masked: the mail
// address, the phone, or the serial endings of the tokens.
func dest(method string, c store.Cardholder, creds []store.Credential) string {
	switch method {
	case store.KindEmail:
		return dispatch.MaskEmail(c.Email)
	case store.KindSMS:
		return sms.MaskPhone(c.Phone)
	case store.KindToken:
		ends := make([]string, 0, len(creds))
		for _, cr := range creds {
			ends = append(ends, last4(cr.Serial))
		}
		return strings.Join(ends, ",")
	}
	return ""
}

func last4(s string) string {
	if len(s) <= 4 {
		return s
	}
	return s[len(s)-4:]
}

// destination is the unmasked address a code goes to, and its kind, for
// the per-destination daily cap.
func destination(method string, c store.Cardholder) string {
	if method == store.KindSMS {
		return c.Phone
	}
	return strings.ToLower(strings.TrimSpace(c.Email))
}

// destHash keys the send cap: a keyed hash, so the sends table holds no
// addresses or phone numbers.
func (s *Server) destHash(method, to string) []byte {
	return s.pseudo.Sum("dest", []byte(method+":"+to))
}

// credIDs are the public ids of creds.
func credIDs(creds []store.Credential) []string {
	ids := make([]string, len(creds))
	for i, c := range creds {
		ids[i] = c.PublicID
	}
	return ids
}
