package tokenfile

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/honnin/honnin/issuer/totp"
)

// XML namespaces of RFC 6030 documents.
const (
	nsDS    = "http://www.w3.org/2000/09/xmldsig#"
	nsXenc  = "http://www.w3.org/2001/04/xmlenc#"
	nsPKCS5 = "http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#"
)

// MaxPBKDF2Iterations bounds a file's PBKDF2 iteration count, so a file
// cannot make the issuer spin for minutes.
const MaxPBKDF2Iterations = 10_000_000

// PSKCOptions holds what decrypts an encrypted PSKC file: the pre-shared
// key (RFC 6030 §6.1, <EncryptionKey><ds:KeyName>) or the password from
// which PBKDF2 derives it (§6.2, <xenc11:DerivedKey>).
type PSKCOptions struct {
	PreSharedKey []byte
	Password     string
}

type pskcContainer struct {
	XMLName       xml.Name         `xml:"urn:ietf:params:xml:ns:keyprov:pskc KeyContainer"`
	Version       string           `xml:"Version,attr"`
	EncryptionKey *pskcKeyInfo     `xml:"urn:ietf:params:xml:ns:keyprov:pskc EncryptionKey"`
	MACMethod     *pskcMACMethod   `xml:"urn:ietf:params:xml:ns:keyprov:pskc MACMethod"`
	Packages      []pskcKeyPackage `xml:"urn:ietf:params:xml:ns:keyprov:pskc KeyPackage"`
}

type pskcKeyInfo struct {
	KeyName    *string         `xml:"http://www.w3.org/2000/09/xmldsig# KeyName"`
	X509Data   *struct{}       `xml:"http://www.w3.org/2000/09/xmldsig# X509Data"`
	DerivedKey *pskcDerivedKey `xml:"http://www.w3.org/2009/xmlenc11# DerivedKey"`
}

type pskcDerivedKey struct {
	Method struct {
		Algorithm string `xml:"Algorithm,attr"`
		Params    *struct {
			Salt struct {
				Specified string `xml:"Specified"`
			} `xml:"Salt"`
			IterationCount int `xml:"IterationCount"`
			KeyLength      int `xml:"KeyLength"`
			PRF            *struct {
				Algorithm string `xml:"Algorithm,attr"`
			} `xml:"PRF"`
		} `xml:"http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0# PBKDF2-params"`
	} `xml:"http://www.w3.org/2009/xmlenc11# KeyDerivationMethod"`
}

type pskcMACMethod struct {
	Algorithm string         `xml:"Algorithm,attr"`
	MACKey    *pskcEncrypted `xml:"urn:ietf:params:xml:ns:keyprov:pskc MACKey"`
}

type pskcEncrypted struct {
	Method struct {
		Algorithm string `xml:"Algorithm,attr"`
	} `xml:"http://www.w3.org/2001/04/xmlenc# EncryptionMethod"`
	CipherData struct {
		CipherValue string `xml:"http://www.w3.org/2001/04/xmlenc# CipherValue"`
	} `xml:"http://www.w3.org/2001/04/xmlenc# CipherData"`
}

type pskcKeyPackage struct {
	DeviceInfo struct {
		Manufacturer string `xml:"urn:ietf:params:xml:ns:keyprov:pskc Manufacturer"`
		SerialNo     string `xml:"urn:ietf:params:xml:ns:keyprov:pskc SerialNo"`
	} `xml:"urn:ietf:params:xml:ns:keyprov:pskc DeviceInfo"`
	Keys []pskcKey `xml:"urn:ietf:params:xml:ns:keyprov:pskc Key"`
}

type pskcKey struct {
	ID        string `xml:"Id,attr"`
	Algorithm string `xml:"Algorithm,attr"`
	Params    struct {
		Suite          string `xml:"urn:ietf:params:xml:ns:keyprov:pskc Suite"`
		ResponseFormat *struct {
			Length   int    `xml:"Length,attr"`
			Encoding string `xml:"Encoding,attr"`
		} `xml:"urn:ietf:params:xml:ns:keyprov:pskc ResponseFormat"`
	} `xml:"urn:ietf:params:xml:ns:keyprov:pskc AlgorithmParameters"`
	KeyReference string `xml:"urn:ietf:params:xml:ns:keyprov:pskc KeyReference"`
	Data         struct {
		Secret       *pskcValue `xml:"urn:ietf:params:xml:ns:keyprov:pskc Secret"`
		TimeInterval *pskcValue `xml:"urn:ietf:params:xml:ns:keyprov:pskc TimeInterval"`
	} `xml:"urn:ietf:params:xml:ns:keyprov:pskc Data"`
	Policy struct {
		StartDate  string `xml:"urn:ietf:params:xml:ns:keyprov:pskc StartDate"`
		ExpiryDate string `xml:"urn:ietf:params:xml:ns:keyprov:pskc ExpiryDate"`
		PINPolicy  *struct {
			PINUsageMode string `xml:"PINUsageMode,attr"`
		} `xml:"urn:ietf:params:xml:ns:keyprov:pskc PINPolicy"`
	} `xml:"urn:ietf:params:xml:ns:keyprov:pskc Policy"`
}

type pskcValue struct {
	PlainValue     *string        `xml:"urn:ietf:params:xml:ns:keyprov:pskc PlainValue"`
	EncryptedValue *pskcEncrypted `xml:"urn:ietf:params:xml:ns:keyprov:pskc EncryptedValue"`
	ValueMAC       *string        `xml:"urn:ietf:params:xml:ns:keyprov:pskc ValueMAC"`
}

// OTP algorithm URIs: RFC 6030's, and the draft's that vendors still write.
var pskcKinds = map[string]string{
	"urn:ietf:params:xml:ns:keyprov:pskc:hotp": "hotp",
	"urn:ietf:params:xml:ns:keyprov:pskc#hotp": "hotp",
	"http://www.ietf.org/keyprov/pskc#hotp":    "hotp",
	"urn:ietf:params:xml:ns:keyprov:pskc:totp": "totp",
	"urn:ietf:params:xml:ns:keyprov:pskc#totp": "totp",
	"http://www.ietf.org/keyprov/pskc#totp":    "totp",
	"urn:ietf:params:xml:ns:keyprov:pskc:pin":  "pin",
	"urn:ietf:params:xml:ns:keyprov:pskc#pin":  "pin",
}

// Block ciphers of RFC 6030 §6.1 that we implement, by key length.
var pskcCiphers = map[string]int{
	nsXenc + "aes128-cbc": 16,
	nsXenc + "aes192-cbc": 24,
	nsXenc + "aes256-cbc": 32,
}

// MAC and PBKDF2 PRF algorithms.
var pskcHMACs = map[string]func() hash.Hash{
	nsDS + "hmac-sha1": sha1.New,
	"http://www.w3.org/2001/04/xmldsig-more#hmac-sha224": sha256.New224,
	"http://www.w3.org/2001/04/xmldsig-more#hmac-sha256": sha256.New,
	"http://www.w3.org/2001/04/xmldsig-more#hmac-sha384": sha512.New384,
	"http://www.w3.org/2001/04/xmldsig-more#hmac-sha512": sha512.New,
}

// ParsePSKC reads an RFC 6030 key container: plain values, values encrypted
// with AES-CBC under a pre-shared key or a PBKDF2-derived key (each checked
// against its HMAC before it is decrypted), HOTP and TOTP keys.
//
// It returns every OTP key or an error and none. Refused with an error:
// asymmetric encryption (X.509/RSA: the issuer holds no private key for it),
// encrypted values without a MAC, keys without a secret (server-side key
// derivation, <KeyReference>), PINs sent with the OTP (PINUsageMode other
// than Local), two keys for one serial, and unknown algorithms. PIN keys
// (pskc:pin) are skipped: honnin does not see token PINs. A <ds:Signature>
// is not verified (use the MAC or the transport for integrity). A key's
// serial is its device's <SerialNo>, or its Id when there is none.
func ParsePSKC(r io.Reader, o PSKCOptions) ([]Key, error) {
	data, err := readLimited(r)
	if err != nil {
		return nil, fmt.Errorf("tokenfile: pskc: %w", err)
	}
	var c pskcContainer
	if err := xml.NewDecoder(bytes.NewReader(data)).Decode(&c); err != nil {
		return nil, fmt.Errorf("tokenfile: pskc: %w", err)
	}
	if c.Version != "1.0" {
		return nil, fmt.Errorf("tokenfile: pskc: KeyContainer Version %q: want 1.0: %w", c.Version, ErrUnsupported)
	}
	d := &pskcDecrypter{c: &c, o: o}
	var keys []Key
	seen := map[string]string{} // serial → key Id
	for i, p := range c.Packages {
		for _, k := range p.Keys {
			key, ok, err := d.key(p, k)
			if err != nil {
				return nil, fmt.Errorf("tokenfile: pskc: KeyPackage %d, key %q: %w", i+1, k.ID, err)
			}
			if !ok {
				continue
			}
			if prev, dup := seen[key.Serial]; dup {
				return nil, fmt.Errorf("tokenfile: pskc: KeyPackage %d: serial %s has two keys (%q and %q)", i+1, key.Serial, prev, k.ID)
			}
			seen[key.Serial] = k.ID
			keys = append(keys, key)
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("tokenfile: pskc: no OTP keys in the file")
	}
	return keys, nil
}

func readLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("file exceeds %d bytes", MaxFileSize)
	}
	return data, nil
}

// key converts one <Key>; ok is false for a key that is skipped (a PIN).
func (d *pskcDecrypter) key(p pskcKeyPackage, k pskcKey) (key Key, ok bool, err error) {
	kind, known := pskcKinds[strings.TrimSpace(k.Algorithm)]
	if !known {
		return key, false, fmt.Errorf("OTP algorithm %q: %w", k.Algorithm, ErrUnsupported)
	}
	if kind == "pin" {
		return key, false, nil
	}
	key.Kind = kind
	key.Manufacturer = strings.TrimSpace(p.DeviceInfo.Manufacturer)
	key.Serial = strings.TrimSpace(p.DeviceInfo.SerialNo)
	if key.Serial == "" {
		key.Serial = strings.TrimSpace(k.ID)
	}
	if err := checkSerial(key.Serial); err != nil {
		return key, false, err
	}
	if key.Algorithm, err = totp.ParseAlgorithm(k.Params.Suite); err != nil {
		return key, false, fmt.Errorf("suite: %w", ErrUnsupported)
	}
	key.Digits = 6
	if f := k.Params.ResponseFormat; f != nil {
		if f.Encoding != "" && f.Encoding != "DECIMAL" {
			return key, false, fmt.Errorf("response encoding %q (want DECIMAL): %w", f.Encoding, ErrUnsupported)
		}
		key.Digits = f.Length
	}
	if key.Digits < 6 || key.Digits > 8 {
		return key, false, fmt.Errorf("response length %d: want 6 to 8: %w", key.Digits, ErrUnsupported)
	}
	if pp := k.Policy.PINPolicy; pp != nil && pp.PINUsageMode != "" && pp.PINUsageMode != "Local" {
		return key, false, fmt.Errorf("PIN usage mode %q (the PIN is part of the code; only Local is supported): %w", pp.PINUsageMode, ErrUnsupported)
	}
	if key.NotBefore, err = pskcTime(k.Policy.StartDate); err != nil {
		return key, false, fmt.Errorf("StartDate: %w", err)
	}
	if key.NotAfter, err = pskcTime(k.Policy.ExpiryDate); err != nil {
		return key, false, fmt.Errorf("ExpiryDate: %w", err)
	}
	if kind == "totp" {
		key.Period = 30 // RFC 6030 §4.3.4: TimeInterval defaults to 30 s
		if v := k.Data.TimeInterval; v != nil {
			if v.PlainValue == nil {
				return key, false, fmt.Errorf("TimeInterval: only a plain value is supported: %w", ErrUnsupported)
			}
			n, err := strconv.Atoi(strings.TrimSpace(*v.PlainValue))
			if err != nil || n < 1 || n > 3600 {
				return key, false, fmt.Errorf("TimeInterval %q: want 1 to 3600 seconds", *v.PlainValue)
			}
			key.Period = n
		}
	}
	s := k.Data.Secret
	if s == nil {
		if ref := strings.TrimSpace(k.KeyReference); ref != "" {
			return key, false, fmt.Errorf("no secret, only KeyReference %q (server-side key derivation): %w", ref, ErrUnsupported)
		}
		return key, false, errors.New("no secret")
	}
	if key.Secret, err = d.value(s); err != nil {
		return key, false, fmt.Errorf("secret: %w", err)
	}
	if len(key.Secret) == 0 || len(key.Secret) > MaxSecretLen {
		return key, false, fmt.Errorf("secret of %d bytes: want 1 to %d", len(key.Secret), MaxSecretLen)
	}
	return key, true, nil
}

func pskcTime(s string) (time.Time, error) {
	if s = strings.TrimSpace(s); s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, s)
}

func b64(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
}

// pskcDecrypter decrypts a document's values; it derives the encryption
// and MAC keys once, on the first encrypted value.
type pskcDecrypter struct {
	c      *pskcContainer
	o      PSKCOptions
	ready  bool
	encKey []byte
	macKey []byte
	mac    func() hash.Hash
}

func (d *pskcDecrypter) value(v *pskcValue) ([]byte, error) {
	if v.EncryptedValue == nil {
		if v.PlainValue == nil {
			return nil, errors.New("neither PlainValue nor EncryptedValue")
		}
		b, err := b64(*v.PlainValue)
		if err != nil {
			return nil, errors.New("PlainValue is not base64")
		}
		return b, nil
	}
	if !d.ready {
		if err := d.init(); err != nil {
			return nil, err
		}
		d.ready = true
	}
	ev := v.EncryptedValue
	if _, ok := pskcCiphers[ev.Method.Algorithm]; !ok {
		return nil, fmt.Errorf("encryption %q: %w", ev.Method.Algorithm, ErrUnsupported)
	}
	ct, err := b64(ev.CipherData.CipherValue)
	if err != nil {
		return nil, errors.New("CipherValue is not base64")
	}
	// Encrypted values must carry a MAC (RFC 6030 §6.1.1): CBC alone does
	// not tell a wrong key or an altered file from a right one.
	if v.ValueMAC == nil {
		return nil, errors.New("encrypted value without ValueMAC")
	}
	want, err := b64(*v.ValueMAC)
	if err != nil {
		return nil, errors.New("ValueMAC is not base64")
	}
	m := hmac.New(d.mac, d.macKey)
	m.Write(ct) // the MAC covers IV and ciphertext
	if !hmac.Equal(m.Sum(nil), want) {
		return nil, ErrMAC
	}
	return decryptCBC(ev.Method.Algorithm, d.encKey, ct)
}

// init finds the document's encryption key and decrypts its MAC key.
func (d *pskcDecrypter) init() error {
	ek := d.c.EncryptionKey
	switch {
	case ek == nil:
		return errors.New("encrypted value but no EncryptionKey in the file")
	case ek.X509Data != nil:
		return fmt.Errorf("encrypted to an X.509 certificate (RSA): asymmetric encryption is not supported, ask for a file protected by a pre-shared key or a password: %w", ErrUnsupported)
	case ek.DerivedKey != nil:
		k, err := d.derive(ek.DerivedKey)
		if err != nil {
			return err
		}
		d.encKey = k
	case ek.KeyName != nil:
		if len(d.o.PreSharedKey) == 0 {
			return fmt.Errorf("encrypted with the pre-shared key %q: %w", strings.TrimSpace(*ek.KeyName), ErrNeedKey)
		}
		d.encKey = d.o.PreSharedKey
	default:
		return fmt.Errorf("EncryptionKey of an unknown kind: %w", ErrUnsupported)
	}
	mm := d.c.MACMethod
	if mm == nil || mm.MACKey == nil {
		return errors.New("encrypted values but no MACMethod with a MACKey")
	}
	var ok bool
	if d.mac, ok = pskcHMACs[mm.Algorithm]; !ok {
		return fmt.Errorf("MAC algorithm %q: %w", mm.Algorithm, ErrUnsupported)
	}
	if _, ok := pskcCiphers[mm.MACKey.Method.Algorithm]; !ok {
		return fmt.Errorf("MAC key encryption %q: %w", mm.MACKey.Method.Algorithm, ErrUnsupported)
	}
	ct, err := b64(mm.MACKey.CipherData.CipherValue)
	if err != nil {
		return errors.New("MACKey CipherValue is not base64")
	}
	if d.macKey, err = decryptCBC(mm.MACKey.Method.Algorithm, d.encKey, ct); err != nil {
		// A wrong key shows here first, as bad padding.
		return fmt.Errorf("MAC key: %w", err)
	}
	return nil
}

// derive is PBKDF2 (PKCS #5 v2.0, RFC 6030 §6.2) of the password.
func (d *pskcDecrypter) derive(dk *pskcDerivedKey) ([]byte, error) {
	const pbkdf2URI = nsPKCS5 + "pbkdf2"
	if dk.Method.Algorithm != pbkdf2URI {
		return nil, fmt.Errorf("key derivation %q: %w", dk.Method.Algorithm, ErrUnsupported)
	}
	p := dk.Method.Params
	if p == nil {
		return nil, errors.New("PBKDF2 without PBKDF2-params")
	}
	if d.o.Password == "" {
		return nil, fmt.Errorf("encrypted with a password-derived key (PBKDF2): %w", ErrNeedKey)
	}
	prf := sha1.New // PKCS #5's default PRF
	if p.PRF != nil && p.PRF.Algorithm != "" {
		var ok bool
		if prf, ok = pskcHMACs[p.PRF.Algorithm]; !ok {
			return nil, fmt.Errorf("PBKDF2 PRF %q: %w", p.PRF.Algorithm, ErrUnsupported)
		}
	}
	salt, err := b64(p.Salt.Specified)
	if err != nil || len(salt) == 0 {
		return nil, errors.New("PBKDF2 salt missing or not base64")
	}
	if p.IterationCount < 1 || p.IterationCount > MaxPBKDF2Iterations {
		return nil, fmt.Errorf("PBKDF2 iteration count %d: want 1 to %d", p.IterationCount, MaxPBKDF2Iterations)
	}
	n := p.KeyLength
	if n == 0 {
		n = 16
	}
	if n != 16 && n != 24 && n != 32 {
		return nil, fmt.Errorf("PBKDF2 key length %d: want 16, 24 or 32: %w", n, ErrUnsupported)
	}
	return pbkdf2.Key(prf, d.o.Password, salt, p.IterationCount, n)
}

// decryptCBC decrypts IV ‖ ciphertext. The padding is XML Encryption's
// (the last byte is the pad length; the other pad bytes are arbitrary), of
// which PKCS #7 is a case.
func decryptCBC(alg string, key, ct []byte) ([]byte, error) {
	if want := pskcCiphers[alg]; len(key) != want {
		return nil, fmt.Errorf("%d-byte key for %s: want %d bytes", len(key), strings.TrimPrefix(alg, nsXenc), want)
	}
	if len(ct) < 2*aes.BlockSize || len(ct)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("ciphertext of %d bytes: not IV plus whole AES blocks", len(ct))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	pt := make([]byte, len(ct)-aes.BlockSize)
	cipher.NewCBCDecrypter(b, ct[:aes.BlockSize]).CryptBlocks(pt, ct[aes.BlockSize:])
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > aes.BlockSize {
		return nil, fmt.Errorf("cannot decrypt (bad padding): %w", ErrMAC)
	}
	return pt[:len(pt)-pad], nil
}
