// Package totp computes RFC 6238 time-based one-time codes for the issuer.
//
// The issuer never validates a code itself: it precomputes the codes of
// every step an authentication may see (Window) and seals them to the edge,
// which matches the cardholder's input and records the matched step so a
// code is never accepted twice (RFC 6238 §5.2). pquerna/otp validates with
// a bool and no step, and has no time→step function, so this package
// exposes steps explicitly and uses pquerna/otp only for the HOTP
// truncation, the otpauth URI's QR image and its algorithms.
package totp

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/honnin/honnin/edge/limits"
)

// Defaults used when a Params field is zero. SHA1 is the default because
// some authenticator apps silently ignore SHA256/SHA512 and show wrong
// codes; 60 s is honnin's step (contract: TOTP period 60 s, ±1 step).
const (
	DefaultDigits    = limits.CodeDigits
	DefaultPeriod    = limits.TOTPPeriod
	DefaultAlgorithm = "SHA1"
)

// SecretSize is NewSecret's length in bytes: RFC 4226 §4 requires at least
// 128 bits and recommends 160.
const SecretSize = 20

// MaxWindow bounds the number of steps Window computes, so a mistaken time
// range cannot make the issuer compute (and seal) millions of codes.
const MaxWindow = 1000

// Params are one TOTP credential's parameters. Zero fields take the
// defaults above.
type Params struct {
	Secret    []byte
	Digits    int    // 6–8
	Period    int    // seconds per step
	Algorithm string // SHA1, SHA256 or SHA512
}

// StepCode is the code of one time step.
type StepCode struct {
	Step int64
	Code string
}

// normalize applies the defaults and checks the parameters.
func (p Params) normalize() (Params, error) {
	if len(p.Secret) == 0 {
		return p, errors.New("totp: empty secret")
	}
	if p.Digits == 0 {
		p.Digits = DefaultDigits
	}
	if p.Digits < 6 || p.Digits > 8 {
		return p, fmt.Errorf("totp: %d digits: want 6 to 8", p.Digits)
	}
	if p.Period == 0 {
		p.Period = DefaultPeriod
	}
	if p.Period < 0 {
		return p, fmt.Errorf("totp: period %d s: must be positive", p.Period)
	}
	alg, err := ParseAlgorithm(p.Algorithm)
	if err != nil {
		return p, err
	}
	p.Algorithm = alg
	return p, nil
}

// ParseAlgorithm returns the canonical name (SHA1, SHA256, SHA512) of an
// HMAC hash name given in any case, with or without a dash or an "HMAC-"
// prefix; "" is SHA1. Token files spell these names in many ways.
func ParseAlgorithm(s string) (string, error) {
	n := strings.ToUpper(strings.TrimSpace(s))
	n = strings.TrimPrefix(n, "HMAC-")
	n = strings.ReplaceAll(n, "-", "")
	switch n {
	case "":
		return DefaultAlgorithm, nil
	case "SHA1", "SHA256", "SHA512":
		return n, nil
	}
	return "", fmt.Errorf("totp: unsupported algorithm %q (want SHA1, SHA256 or SHA512)", s)
}

func otpAlgorithm(name string) otp.Algorithm {
	switch name {
	case "SHA256":
		return otp.AlgorithmSHA256
	case "SHA512":
		return otp.AlgorithmSHA512
	}
	return otp.AlgorithmSHA1
}

// Step is RFC 6238's T = floor(unix(t) / period), rounded towards minus
// infinity. A period ≤ 0 means DefaultPeriod, as in Params.
func Step(t time.Time, period int) int64 {
	if period <= 0 {
		period = DefaultPeriod
	}
	u, p := t.Unix(), int64(period)
	s := u / p
	if u%p != 0 && u < 0 {
		s--
	}
	return s
}

// Code is the code of one step: HOTP (RFC 4226) with the step as counter.
func Code(p Params, step int64) (string, error) {
	p, err := p.normalize()
	if err != nil {
		return "", err
	}
	return code(p, step)
}

func code(p Params, step int64) (string, error) {
	if step < 0 {
		return "", fmt.Errorf("totp: negative step %d", step)
	}
	c, err := hotp.GenerateCodeCustom(base32.StdEncoding.EncodeToString(p.Secret), uint64(step), hotp.ValidateOpts{
		Digits:    otp.Digits(p.Digits),
		Algorithm: otpAlgorithm(p.Algorithm),
	})
	if err != nil {
		return "", fmt.Errorf("totp: step %d: %w", step, err)
	}
	return c, nil
}

// Window returns the code of every step from Step(from)-skew to
// Step(to)+skew, in order: the codes a cardholder may type between from and
// to when their clock is off by up to skew steps.
func Window(p Params, from, to time.Time, skew int) ([]StepCode, error) {
	p, err := p.normalize()
	if err != nil {
		return nil, err
	}
	if skew < 0 {
		return nil, fmt.Errorf("totp: negative skew %d", skew)
	}
	if to.Before(from) {
		return nil, fmt.Errorf("totp: window ends (%s) before it starts (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	first := Step(from, p.Period) - int64(skew)
	last := Step(to, p.Period) + int64(skew)
	if n := last - first + 1; n > MaxWindow {
		return nil, fmt.Errorf("totp: window of %d steps exceeds %d", n, MaxWindow)
	}
	out := make([]StepCode, 0, last-first+1)
	for s := first; s <= last; s++ {
		c, err := code(p, s)
		if err != nil {
			return nil, err
		}
		out = append(out, StepCode{Step: s, Code: c})
	}
	return out, nil
}

// NewSecret returns SecretSize random bytes for a new app credential.
func NewSecret() []byte {
	b := make([]byte, SecretSize)
	rand.Read(b) // never fails (crypto/rand crashes the program instead)
	return b
}

// URI is the otpauth:// key URI that authenticator apps scan
// (otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=…&digits=…&period=…).
// The parameters are always written, defaults included, so an app never
// falls back to its own defaults (30 s for most). Invalid params are written
// as given; check them with Code first.
func URI(issuer, account string, p Params) string {
	if n, err := p.normalize(); err == nil {
		p = n
	}
	// PathEscape keeps ':', the label's issuer separator: escape it too.
	esc := func(s string) string { return strings.ReplaceAll(url.PathEscape(s), ":", "%3A") }
	label := esc(account)
	if issuer != "" {
		label = esc(issuer) + ":" + label
	}
	q := url.Values{}
	q.Set("secret", base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(p.Secret))
	if issuer != "" {
		q.Set("issuer", issuer)
	}
	q.Set("algorithm", p.Algorithm)
	q.Set("digits", strconv.Itoa(p.Digits))
	q.Set("period", strconv.Itoa(p.Period))
	u := url.URL{Scheme: "otpauth", Opaque: "//totp/" + label, RawQuery: q.Encode()}
	return u.String()
}

// QRPNG renders uri as a size×size PNG QR code (error correction M).
func QRPNG(uri string, size int) ([]byte, error) {
	if size < 64 || size > 2048 {
		return nil, fmt.Errorf("totp: QR size %d: want 64 to 2048 pixels", size)
	}
	k, err := otp.NewKeyFromURL(uri)
	if err != nil {
		return nil, fmt.Errorf("totp: QR: %w", err)
	}
	img, err := k.Image(size, size)
	if err != nil {
		return nil, fmt.Errorf("totp: QR of %d px: %w", size, err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("totp: QR png: %w", err)
	}
	return b.Bytes(), nil
}
