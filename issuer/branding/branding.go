// Package branding reads an issuer's brand file: the name, phone, portal,
// logo and colours the challenge screen shows (contract.Issuer), for the
// issuer as a whole (issuer serve -branding) or for one card range (issuer
// ranges add -branding), when one issuer runs several brands.
//
// A brand is a file rather than more flags because a logo is a file
// anyway, and because a range's brand and the default must be written,
// and checked, the same way. The file is JSON:
//
//	{
//	  "name": "Honnin Gold Card",
//	  "phone": "0120-123-456",
//	  "portal_url": "https://card.example/portal/",
//	  "logo": "gold.png",
//	  "color": "#0b57d0",
//	  "accent": "#0b57d0"
//	}
//
// Every field may be left out. "logo" is an image file (PNG, JPEG, WebP or
// SVG, at most MaxLogoBytes) read relative to the brand file, or a data:
// URL; it is kept as a data: URL, which the challenge page's CSP
// (img-src 'self' data:) shows without letting any other host see the
// cardholder. Colours are #rrggbb; the brand colour is the background of
// white button text and the accent the colour of links on white, so each
// must keep contract.MinContrast (4.5:1) with white: Check refuses one that
// does not and names the nearest darker shade that does.
package branding

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/honnin/honnin/edge/contract"
)

// MaxLogoBytes is the largest logo image: its data: URL must stay within
// contract.IssuerLogoMaxLen.
const MaxLogoBytes = (contract.IssuerLogoMaxLen - 64) / 4 * 3

// file is the brand file's JSON.
type file struct {
	Name   string `json:"name"`
	Phone  string `json:"phone"`
	Portal string `json:"portal_url"`
	Logo   string `json:"logo"`
	Color  string `json:"color"`
	Accent string `json:"accent"`
}

// Load reads and checks the brand file at path.
func Load(path string) (contract.Issuer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return contract.Issuer{}, fmt.Errorf("branding: %w", err)
	}
	var f file
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return contract.Issuer{}, fmt.Errorf("branding: %s: %w", path, err)
	}
	i := contract.Issuer{Name: f.Name, Phone: f.Phone, Portal: f.Portal, Color: f.Color, Accent: f.Accent}
	if f.Logo != "" {
		if i.Logo, err = logo(filepath.Dir(path), f.Logo); err != nil {
			return contract.Issuer{}, fmt.Errorf("branding: %s: %w", path, err)
		}
	}
	if err := Check(i); err != nil {
		return contract.Issuer{}, fmt.Errorf("branding: %s: %w", path, err)
	}
	return i, nil
}

// logo is the logo named ref (a data: URL, or an image file relative to
// dir) as a data: URL.
func logo(dir, ref string) (string, error) {
	if strings.HasPrefix(ref, "data:") {
		return ref, nil
	}
	p := ref
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("logo: %w", err)
	}
	if len(b) > MaxLogoBytes {
		return "", fmt.Errorf("logo %s: %d bytes, want at most %d (a small mark, sent with every challenge)", ref, len(b), MaxLogoBytes)
	}
	typ := imageType(b)
	if typ == "" {
		return "", fmt.Errorf("logo %s: not a PNG, JPEG, WebP or SVG image", ref)
	}
	return "data:" + typ + ";base64," + base64.StdEncoding.EncodeToString(b), nil
}

// imageType is the type of image b by its first bytes, "" when it is none
// a logo may be.
func imageType(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	}
	head := strings.TrimSpace(string(b[:min(len(b), 512)]))
	if strings.HasPrefix(head, "<svg") || strings.HasPrefix(head, "<?xml") && strings.Contains(string(b), "<svg") {
		return "image/svg+xml"
	}
	return ""
}

// Check says what is wrong with i, part by part, or nil when the screen
// can show all of it (contract.Issuer.Valid).
func Check(i contract.Issuer) error {
	var errs []error
	if !(contract.Issuer{Name: i.Name}).Valid() {
		errs = append(errs, fmt.Errorf("name %q: want one line of at most %d characters", i.Name, contract.IssuerNameMaxRunes))
	}
	if !(contract.Issuer{Phone: i.Phone}).Valid() {
		errs = append(errs, fmt.Errorf("phone %q: want one line of at most %d characters", i.Phone, contract.IssuerPhoneMaxRunes))
	}
	if i.Portal != "" && !contract.ValidPortalURL(i.Portal) {
		errs = append(errs, fmt.Errorf("portal_url %q: want an https URL (http only on localhost)", i.Portal))
	}
	if i.Logo != "" && !contract.ValidLogo(i.Logo) {
		errs = append(errs, fmt.Errorf("logo: want a base64 data: URL of a PNG, JPEG, WebP or SVG image, at most %d characters", contract.IssuerLogoMaxLen))
	}
	for _, c := range [...]struct{ field, value, use string }{
		{"color", i.Color, "white button text on it"},
		{"accent", i.Accent, "link text in it on white"},
	} {
		if err := checkColor(c.value, c.use); err != nil {
			errs = append(errs, fmt.Errorf("%s %w", c.field, err))
		}
	}
	return errors.Join(errs...)
}

// checkColor says why s is not a colour the screen can use for use.
func checkColor(s, use string) error {
	if s == "" {
		return nil
	}
	r, g, b, ok := contract.ParseColor(s)
	if !ok {
		return fmt.Errorf("%q: want #rrggbb", s)
	}
	if c := contract.Contrast(r, g, b, 255, 255, 255); c < contract.MinContrast {
		return fmt.Errorf("%s: %s has a contrast of %.2f:1, want at least %.1f:1; %s is the nearest darker shade that passes",
			s, use, c, contract.MinContrast, Darken(s))
	}
	return nil
}

// Darken returns the lightest shade of s (s scaled towards black, hue
// kept) with contract.MinContrast against white.
func Darken(s string) string {
	r, g, b, ok := contract.ParseColor(s)
	if !ok {
		return ""
	}
	for k := 100; k >= 0; k-- {
		dr, dg, db := uint8(int(r)*k/100), uint8(int(g)*k/100), uint8(int(b)*k/100)
		if contract.Contrast(dr, dg, db, 255, 255, 255) >= contract.MinContrast {
			return fmt.Sprintf("#%02x%02x%02x", dr, dg, db)
		}
	}
	return "#000000"
}

// Encode is i as a range keeps it in the store (store.Range.Branding);
// "" for no brand.
func Encode(i contract.Issuer) (string, error) {
	if i.IsZero() {
		return "", nil
	}
	b, err := json.Marshal(i)
	if err != nil {
		return "", fmt.Errorf("branding: %w", err)
	}
	return string(b), nil
}

// Decode reads a brand Encode wrote; "" is the zero Issuer.
func Decode(s string) (contract.Issuer, error) {
	var i contract.Issuer
	if s == "" {
		return i, nil
	}
	if err := json.Unmarshal([]byte(s), &i); err != nil {
		return contract.Issuer{}, fmt.Errorf("branding: stored brand: %w", err)
	}
	return i, nil
}
