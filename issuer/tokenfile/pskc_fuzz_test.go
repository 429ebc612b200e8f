package tokenfile

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"
)

// FuzzParsePSKC reads PSKC files (the RFC 6030 figures in the corpus:
// plain, pre-shared key, PBKDF2) with no key, figure 6's pre-shared key,
// figure 7's password or both. Properties: an accepted file gives keys
// within the limits every reader keeps; written back as a PSKC file,
// plain or encrypted under a pre-shared key with a MAC, they read as the
// same keys; an error never holds a secret of the file. Files asking for
// more than 20,000 PBKDF2 iterations are skipped: the limit is 10^7, which
// is seconds per file, and would only slow the fuzzing down.
func FuzzParsePSKC(f *testing.F) {
	f.Add([]byte(writePSKC([]Key{{Serial: "A1", Secret: secret20, Digits: 6, Period: 30, Algorithm: "SHA256", Kind: "totp",
		Manufacturer: "Acme & <Co>", NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}, fig6PSK)), uint8(1))
	f.Add([]byte(writePSKC([]Key{hotpKey("B2", secret1234, 8, "m")}, nil)), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		var c pskcContainer
		if xml.Unmarshal(data, &c) == nil && c.EncryptionKey != nil && c.EncryptionKey.DerivedKey != nil &&
			c.EncryptionKey.DerivedKey.Method.Params != nil && c.EncryptionKey.DerivedKey.Method.Params.IterationCount > 20_000 {
			return
		}
		var o PSKCOptions
		if which&1 != 0 {
			o.PreSharedKey = fig6PSK
		}
		if which&2 != 0 {
			o.Password = fig7Pass
		}
		keys, err := ParsePSKC(bytes.NewReader(data), o)
		if err != nil {
			for _, s := range plainSecrets(c) {
				if len(s) >= 8 && strings.Contains(err.Error(), s) {
					t.Fatalf("error holds the secret %q: %v", s, err)
				}
			}
			return
		}
		checkKeys(t, keys, 1)
		for _, psk := range [][]byte{nil, fig6PSK} {
			again, err := ParsePSKC(strings.NewReader(writePSKC(keys, psk)), PSKCOptions{PreSharedKey: psk})
			if err != nil {
				t.Fatalf("keys written back (psk %x) do not read: %v\n%s", psk, err, writePSKC(keys, psk))
			}
			sameKeys(t, again, keys)
		}
	})
}

// plainSecrets are the plain secret values of a file, as written.
func plainSecrets(c pskcContainer) []string {
	var out []string
	for _, p := range c.Packages {
		for _, k := range p.Keys {
			if s := k.Data.Secret; s != nil && s.PlainValue != nil {
				out = append(out, strings.TrimSpace(*s.PlainValue))
			}
		}
	}
	return out
}

// writePSKC writes keys as an RFC 6030 file: plain values, or with psk
// AES-128-CBC encrypted values and an HMAC-SHA1 MAC (§6.1).
func writePSKC(keys []Key, psk []byte) string {
	esc := func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	macKey := bytes.Repeat([]byte{0x11}, 20)
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">` + "\n")
	if psk != nil {
		fmt.Fprintf(&b, `<EncryptionKey><ds:KeyName>PSK</ds:KeyName></EncryptionKey>
<MACMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"><MACKey>
<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
<xenc:CipherData><xenc:CipherValue>%s</xenc:CipherValue></xenc:CipherData></MACKey></MACMethod>
`, base64.StdEncoding.EncodeToString(encryptCBC(psk, macKey)))
	}
	for _, k := range keys {
		secret := "<PlainValue>" + base64.StdEncoding.EncodeToString(k.Secret) + "</PlainValue>"
		if psk != nil {
			ct := encryptCBC(psk, k.Secret)
			m := hmac.New(sha1.New, macKey)
			m.Write(ct)
			secret = fmt.Sprintf(`<EncryptedValue><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>`+
				`<xenc:CipherData><xenc:CipherValue>%s</xenc:CipherValue></xenc:CipherData></EncryptedValue><ValueMAC>%s</ValueMAC>`,
				base64.StdEncoding.EncodeToString(ct), base64.StdEncoding.EncodeToString(m.Sum(nil)))
		}
		interval := ""
		if k.Kind == "totp" {
			interval = fmt.Sprintf("<TimeInterval><PlainValue>%d</PlainValue></TimeInterval>", k.Period)
		}
		date := func(name string, t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return "<" + name + ">" + t.Format(time.RFC3339Nano) + "</" + name + ">"
		}
		fmt.Fprintf(&b, `<KeyPackage><DeviceInfo><Manufacturer>%s</Manufacturer><SerialNo>%s</SerialNo></DeviceInfo>
<Key Id="k-%s" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:%s">
<AlgorithmParameters><Suite>HMAC-%s</Suite><ResponseFormat Length="%d" Encoding="DECIMAL"/></AlgorithmParameters>
<Data><Secret>%s</Secret>%s</Data><Policy>%s%s</Policy></Key></KeyPackage>
`, esc(k.Manufacturer), k.Serial, k.Serial, k.Kind, k.Algorithm, k.Digits, secret, interval,
			date("StartDate", k.NotBefore), date("ExpiryDate", k.NotAfter))
	}
	b.WriteString("</KeyContainer>\n")
	return b.String()
}

// encryptCBC is AES-CBC with a fixed IV and PKCS #7 padding: IV ‖ ct.
func encryptCBC(key, pt []byte) []byte {
	blk, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	pad := aes.BlockSize - len(pt)%aes.BlockSize
	buf := append(bytes.Clone(pt), bytes.Repeat([]byte{byte(pad)}, pad)...)
	out := make([]byte, aes.BlockSize+len(buf))
	copy(out, bytes.Repeat([]byte{0x42}, aes.BlockSize))
	cipher.NewCBCEncrypter(blk, out[:aes.BlockSize]).CryptBlocks(out[aes.BlockSize:], buf)
	return out
}
