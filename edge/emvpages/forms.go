package emvpages

import (
	"errors"
	"net/url"
	"strings"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/emv3ds"
	"github.com/honnin/honnin/edge/origin"
)

// Form field names, as the EMV 3-D Secure browser flow names them (note
// §5, §7), and the edge's own of the challenge's end (contract).
const (
	fieldCReq        = "creq"
	fieldCRes        = "cres"
	fieldSessionData = "threeDSSessionData"
	fieldMethodData  = "threeDSMethodData"
	fieldST          = "st"
	fieldSD          = "sd"
	fieldEnd         = "end"
)

// maxSessionData is the longest threeDSSessionData the requestor may send
// (note §5: at most 1024 characters); it comes back with the final CRes.
const maxSessionData = 1024

// maxForm bounds a form body: a creq of emv3ds' largest, and room for the
// rest.
const maxForm = 160 << 10

// maxNotificationURL bounds a notificationURL or
// threeDSMethodNotificationURL the edge posts to (the AReq's field is at
// most 256 characters; the issuer stores what the AReq held).
const maxNotificationURL = 2048

// maxMessage bounds the base64url message the issuer gives the edge to
// post as cres (an Erro, a few hundred bytes).
const maxMessage = 16 << 10

var (
	errDuplicate = errors.New("a field is given more than once")
	errCharset   = errors.New("not base64url")
)

// one returns the value of field name in f: "" when absent, an error
// when given more than once (a form with two creq is not one CReq).
func one(f url.Values, name string) (string, error) {
	switch v := f[name]; len(v) {
	case 0:
		return "", nil
	case 1:
		return v[0], nil
	}
	return "", errDuplicate
}

// base64URL reports whether s is made of base64url characters only,
// with at most two '=' of padding at its end (senders are told to strip
// it, and some do not: note §5).
func base64URL(s string) bool {
	s = strings.TrimSuffix(strings.TrimSuffix(s, "="), "=")
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// sessionData reads the optional threeDSSessionData-like field name: at
// most maxSessionData base64url characters, or absent. It goes back to the
// requestor as it came, so nothing else may pass.
func sessionData(f url.Values, name string) (string, error) {
	sd, err := one(f, name)
	switch {
	case err != nil:
		return "", err
	case len(sd) > maxSessionData:
		return "", errors.New("longer than 1024 characters")
	case !base64URL(sd):
		return "", errCharset
	}
	return sd, nil
}

// creqForm is what the CReq's form POST to the acsURL holds.
type creqForm struct {
	CReq        emv3ds.CReq
	SessionData string
}

// readCReq reads the form of a CReq. A refusal is the Erro the page
// names: the CReq's own (emv3ds.ParseCReq), or one about its form.
func readCReq(f url.Values) (creqForm, *emv3ds.Erro) {
	raw, err := one(f, fieldCReq)
	if err != nil {
		return creqForm{}, formErro(emv3ds.ErrDuplicate, "creq is given more than once")
	}
	c, e := emv3ds.ParseCReq(raw)
	if e != nil {
		return creqForm{}, e
	}
	sd, err := sessionData(f, fieldSessionData)
	if err != nil {
		e := formErro(emv3ds.ErrFormat, "threeDSSessionData: "+err.Error())
		if errors.Is(err, errDuplicate) {
			e = formErro(emv3ds.ErrDuplicate, "threeDSSessionData is given more than once")
		}
		e.MessageVersion, e.ThreeDSServerTransID, e.ACSTransID = c.MessageVersion, c.ThreeDSServerTransID, c.ACSTransID
		return creqForm{}, e
	}
	return creqForm{CReq: c, SessionData: sd}, nil
}

// formErro is the ACS's Erro about a CReq's form rather than its JSON.
func formErro(code, detail string) *emv3ds.Erro {
	return emv3ds.Refuse(emv3ds.TypeCReq, emv3ds.V220, code, detail)
}

// cresForm is what the challenge client posts to end an EMV challenge.
type cresForm struct {
	ST, SD string
	// Reason is how an authentication still without a result is ended:
	// N cardholder_cancelled for end=cancel, N timed_out for anything
	// else (end is the browser's word: it can only make a result worse).
	Reason string
}

// readCRes reads the challenge client's form: st required, sd as
// threeDSSessionData, end optional.
func readCRes(f url.Values) (cresForm, error) {
	st, err := one(f, fieldST)
	if err != nil || st == "" {
		return cresForm{}, errors.New("st: missing or given more than once")
	}
	sd, err := sessionData(f, fieldSD)
	if err != nil {
		return cresForm{}, errors.New("sd: " + err.Error())
	}
	end, err := one(f, fieldEnd)
	if err != nil {
		return cresForm{}, errors.New("end: " + err.Error())
	}
	reason := contract.ReasonTimedOut
	if end == contract.EMVEndCancel {
		reason = contract.ReasonCancelled
	}
	return cresForm{ST: st, SD: sd, Reason: reason}, nil
}

// methodForm is what the requestor's hidden frame posts to the 3DS Method
// URL.
type methodForm struct {
	Data emv3ds.MethodData
	// Origin is Data.ThreeDSMethodNotificationURL's, the page's form-action.
	Origin string
}

// readMethod reads the 3DS Method's form.
func readMethod(f url.Values) (methodForm, error) {
	raw, err := one(f, fieldMethodData)
	if err != nil {
		return methodForm{}, errors.New("threeDSMethodData: " + err.Error())
	}
	m, err := emv3ds.ParseMethodData(raw)
	if err != nil {
		return methodForm{}, err
	}
	o, err := notificationOrigin(m.ThreeDSMethodNotificationURL)
	if err != nil {
		return methodForm{}, errors.New("threeDSMethodNotificationURL: " + err.Error())
	}
	return methodForm{Data: m, Origin: o}, nil
}

// notificationOrigin checks a URL the edge's page posts a form to (the
// notificationURL, the threeDSMethodNotificationURL) and returns its
// origin, which goes into the page's CSP form-action: an absolute http or
// https URL, no user info, whose origin is a plain serialized origin
// (edge/origin: no ';' or space can add a directive). The URL itself is
// posted to exactly as given, query included (note §7).
func notificationOrigin(raw string) (string, error) {
	if raw == "" || len(raw) > maxNotificationURL {
		return "", errors.New("missing or too long")
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] <= ' ' || raw[i] == 0x7f {
			return "", errors.New("has a space or a control character")
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("not a URL")
	}
	if u.User != nil || u.Opaque != "" {
		return "", errors.New("not a plain http(s) URL")
	}
	o := strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
	if err := origin.Check(o); err != nil {
		return "", err
	}
	return o, nil
}
