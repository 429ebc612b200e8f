package acs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/sms"
	"github.com/honnin/honnin/issuer/totp"
)

// method is what a challenge does for one kind of credential: which of the
// cardholder's credentials it offers, the codes it seals to the edge, and
// where the challenge screen says the code is. There is one type per
// method; a method whose code the issuer draws and sends is also a sender.
type method interface {
	// credentials are the cardholder's usable credentials of the method:
	// none when every one is locked or none is registered.
	credentials(ctx context.Context, c issuer.Cardholder, now time.Time) ([]issuer.Credential, error)
	// seal returns the codes the edge may accept between from and to
	// (code is the sent code of a sender, "" when it was not delivered),
	// with the step length and the steps of skew the edge allows.
	seal(creds []issuer.Credential, code string, from, to time.Time) (codes []challenge.Code, period, skew int, err error)
	// dest is where the screen says the code is, masked; "" when the
	// screen says what to enter instead (app, password).
	dest(c issuer.Cardholder, creds []issuer.Credential) string
}

// sender is a method whose code the issuer draws and sends (email, SMS):
// it can be resent, and each send counts against its destination's cap.
type sender interface {
	method
	// address is the unmasked destination, for the daily cap's key.
	address(c issuer.Cardholder) string
	// send delivers code of a's newest generation.
	send(ctx context.Context, a issuer.Authentication, c issuer.Cardholder, code string) error
}

func newMethods(s *Service, gateway SMSSender) map[issuer.Method]method {
	return map[issuer.Method]method{
		issuer.MethodEmail:    email{s},
		issuer.MethodSMS:      text{s, gateway},
		issuer.MethodApp:      app{s},
		issuer.MethodToken:    token{s},
		issuer.MethodPassword: password{s},
	}
}

// method returns m's implementation; an unknown method is a corrupt row.
func (s *Service) method(m issuer.Method) (method, error) {
	if impl, ok := s.methods[m]; ok {
		return impl, nil
	}
	return nil, fmt.Errorf("acs: unknown method %q", m)
}

// email sends a drawn code by mail.
type email struct{ s *Service }

func (e email) credentials(ctx context.Context, c issuer.Cardholder, now time.Time) ([]issuer.Credential, error) {
	return contactCredentials(ctx, e.s, c, issuer.MethodEmail, now)
}
func (email) seal(creds []issuer.Credential, code string, _, _ time.Time) ([]challenge.Code, int, int, error) {
	return sentCode(creds, code)
}
func (email) dest(c issuer.Cardholder, _ []issuer.Credential) string {
	return dispatch.MaskEmail(c.Email)
}
func (email) address(c issuer.Cardholder) string {
	return strings.ToLower(strings.TrimSpace(c.Email))
}
func (e email) send(ctx context.Context, a issuer.Authentication, c issuer.Cardholder, code string) error {
	return e.s.mail.SendCode(ctx, dispatch.CodeMail{
		To:         c.Email,
		Locale:     textLocale(c.Locale),
		Code:       code,
		Merchant:   a.MerchantName,
		Amount:     a.Amount,
		Currency:   a.Currency,
		At:         a.CreatedAt,
		IssuerName: e.s.issuerName,
	})
}

// text sends a drawn code by SMS, ending with the WebOTP line that lets
// the browser offer it to the edge's iframe inside the merchant's page.
type text struct {
	s       *Service
	gateway SMSSender // nil: no gateway configured, every send fails
}

func (t text) credentials(ctx context.Context, c issuer.Cardholder, now time.Time) ([]issuer.Credential, error) {
	return contactCredentials(ctx, t.s, c, issuer.MethodSMS, now)
}
func (text) seal(creds []issuer.Credential, code string, _, _ time.Time) ([]challenge.Code, int, int, error) {
	return sentCode(creds, code)
}
func (text) dest(c issuer.Cardholder, _ []issuer.Credential) string { return sms.MaskPhone(c.Phone) }
func (text) address(c issuer.Cardholder) string                     { return c.Phone }
func (t text) send(ctx context.Context, a issuer.Authentication, c issuer.Cardholder, code string) error {
	if t.gateway == nil {
		return fmt.Errorf("acs: no SMS gateway configured")
	}
	body := sms.Text(textLocale(c.Locale), sms.CodeText{
		Code:         code,
		Merchant:     a.MerchantName,
		Amount:       a.Amount,
		Currency:     a.Currency,
		IssuerName:   t.s.issuerName,
		MerchantHost: host(a.MerchantOrigin),
		EdgeHost:     host(t.s.edgeURL),
		At:           a.CreatedAt,
	})
	_, err := t.gateway.Send(ctx, sms.Message{To: c.Phone, Body: body, ID: fmt.Sprintf("%s-%d", a.ID, a.Gen)})
	return err
}

// contactCredentials is the one credential of an email or SMS method (the
// store makes it on first use), when active.
func contactCredentials(ctx context.Context, s *Service, c issuer.Cardholder, m issuer.Method, now time.Time) ([]issuer.Credential, error) {
	cred, err := s.store.ContactCredential(ctx, c.ID, m, now)
	if err != nil || cred.State != issuer.CredActive {
		return nil, err
	}
	return []issuer.Credential{cred}, nil
}

// sentCode seals the one code that was sent, valid for the code lifetime
// (step 0); nothing when it was not delivered, so nothing can match.
func sentCode(creds []issuer.Credential, code string) ([]challenge.Code, int, int, error) {
	period := int(purchase.Lifetime / time.Second)
	if code == "" {
		return nil, period, 0, nil
	}
	return []challenge.Code{{Cred: creds[0].PublicID, Step: 0, Code: code}}, period, 0, nil
}

// app is an authenticator app's TOTP codes.
type app struct{ s *Service }

func (a app) credentials(ctx context.Context, c issuer.Cardholder, _ time.Time) ([]issuer.Credential, error) {
	return a.s.store.ActiveCredentials(ctx, c.ID, issuer.MethodApp)
}
func (a app) seal(creds []issuer.Credential, _ string, from, to time.Time) ([]challenge.Code, int, int, error) {
	return a.s.totpCodes(creds, from, to)
}
func (app) dest(issuer.Cardholder, []issuer.Credential) string { return "" }

// token is hardware tokens' TOTP codes; the screen names the tokens by the
// ends of their serials (comma-separated: the client lists them).
type token struct{ s *Service }

func (t token) credentials(ctx context.Context, c issuer.Cardholder, _ time.Time) ([]issuer.Credential, error) {
	return t.s.store.ActiveCredentials(ctx, c.ID, issuer.MethodToken)
}
func (t token) seal(creds []issuer.Credential, _ string, from, to time.Time) ([]challenge.Code, int, int, error) {
	return t.s.totpCodes(creds, from, to)
}
func (token) dest(_ issuer.Cardholder, creds []issuer.Credential) string {
	ends := make([]string, 0, len(creds))
	for _, cr := range creds {
		ends = append(ends, issuer.SerialEnd(cr.Serial))
	}
	return strings.Join(ends, ",")
}

// password is the legacy static password: nothing is sealed, the edge
// relays what was typed and the issuer checks it (CheckPassword).
type password struct{ s *Service }

func (p password) credentials(ctx context.Context, c issuer.Cardholder, _ time.Time) ([]issuer.Credential, error) {
	return p.s.store.ActiveCredentials(ctx, c.ID, issuer.MethodPassword)
}
func (password) seal([]issuer.Credential, string, time.Time, time.Time) ([]challenge.Code, int, int, error) {
	return nil, int(purchase.Lifetime / time.Second), 0, nil
}
func (password) dest(issuer.Cardholder, []issuer.Credential) string { return "" }

// totpCodes are every TOTP code of each credential from from to to, ±
// limits.TOTPSkew steps (RFC 6238 §5.2 allows one step of network delay).
func (s *Service) totpCodes(creds []issuer.Credential, from, to time.Time) ([]challenge.Code, int, int, error) {
	var codes []challenge.Code
	for _, cred := range creds {
		seed, err := s.vault.Open(cred.Seed, cred.SeedLabel())
		if err != nil {
			return nil, 0, 0, fmt.Errorf("acs: open seed of credential %s: %w", cred.PublicID, err)
		}
		p := totp.Params{Secret: seed, Digits: cred.TOTP.Digits, Period: cred.TOTP.Period, Algorithm: cred.TOTP.Algorithm}
		if p.Period != limits.TOTPPeriod {
			// One challenge has one step length; tokens of another are
			// refused at assignment, so this is a corrupt row.
			return nil, 0, 0, fmt.Errorf("acs: credential %s has a %d s period, want %d", cred.PublicID, p.Period, limits.TOTPPeriod)
		}
		steps, err := totp.Window(p, from, to, limits.TOTPSkew)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("acs: codes of credential %s: %w", cred.PublicID, err)
		}
		for _, st := range steps {
			codes = append(codes, challenge.Code{Cred: cred.PublicID, Step: st.Step, Code: st.Code})
		}
	}
	return codes, limits.TOTPPeriod, limits.TOTPSkew, nil
}

// credIDs are the public ids of creds.
func credIDs(creds []issuer.Credential) []string {
	ids := make([]string, len(creds))
	for i, c := range creds {
		ids[i] = c.PublicID
	}
	return ids
}
