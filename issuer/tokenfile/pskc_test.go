package tokenfile

import (
	"bytes"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

const figures = "../../../shared/testdata/pskc/rfc6030/"

var (
	// figure 6's pre-shared key and figure 7's password (RFC 6030).
	fig6PSK     = unhex("12345678901234567890123456789012")
	fig7Pass    = "qwerty"
	secret1234  = []byte("1234")
	secret20    = []byte("12345678901234567890")
	bothOptions = PSKCOptions{PreSharedKey: fig6PSK, Password: fig7Pass}
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func figure(t *testing.T, n string) []byte {
	t.Helper()
	b, err := os.ReadFile(figures + "figure" + n + ".pskcxml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hotpKey(serial string, secret []byte, digits int, manufacturer string) Key {
	return Key{Serial: serial, Secret: secret, Digits: digits, Algorithm: "SHA1", Kind: "hotp", Manufacturer: manufacturer}
}

func sameKeys(t *testing.T, got, want []Key) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d keys, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Serial != w.Serial || !bytes.Equal(g.Secret, w.Secret) || g.Digits != w.Digits || g.Period != w.Period ||
			g.Algorithm != w.Algorithm || g.Kind != w.Kind || g.Manufacturer != w.Manufacturer ||
			!g.NotBefore.Equal(w.NotBefore) || !g.NotAfter.Equal(w.NotAfter) {
			t.Errorf("key %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func TestParsePSKCFigures(t *testing.T) {
	for _, tc := range []struct {
		fig     string
		o       PSKCOptions
		want    []Key
		wantErr error  // errors.Is target, or nil
		errText string // substring of the error
	}{
		// Plain HOTP key, no DeviceInfo: the serial is the key's Id.
		{fig: "2", want: []Key{hotpKey("12345678", secret1234, 6, "")}},
		// Supplementary data (user ids, crypto module) does not matter.
		{fig: "3", want: []Key{hotpKey("987654321", secret20, 8, "Manufacturer")}},
		// Key derived by the server from a master key: no secret to import.
		{fig: "4", wantErr: ErrUnsupported, errText: "KeyReference"},
		// HOTP key with a local PIN; the PIN key itself is skipped.
		{fig: "5", want: []Key{hotpKey("987654321", secret20, 8, "Manufacturer")}},
		// AES-128-CBC under a pre-shared key, HMAC-SHA1.
		{fig: "6", o: PSKCOptions{PreSharedKey: fig6PSK}, want: []Key{hotpKey("987654321", secret20, 8, "Manufacturer")}},
		// AES-128-CBC under PBKDF2("qwerty").
		{fig: "7", o: PSKCOptions{Password: fig7Pass}, want: []Key{hotpKey("987654321", secret20, 8, "TokenVendorAcme")}},
		// Encrypted to an RSA certificate: we hold no private key.
		{fig: "8", o: bothOptions, wantErr: ErrUnsupported, errText: "X.509"},
		// Signed; the signature is not verified, the serial keeps its 0.
		{fig: "9", want: []Key{hotpKey("0755225266", secret20, 6, "TokenVendorAcme")}},
		// Bulk: serial 9999999 has two keys (for March and April).
		{fig: "10", errText: "serial 9999999 has two keys"},
	} {
		t.Run("figure"+tc.fig, func(t *testing.T) {
			keys, err := ParsePSKC(bytes.NewReader(figure(t, tc.fig)), tc.o)
			if tc.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errText) || keys != nil {
					t.Fatalf("got %+v, %v; want no keys and an error with %q", keys, err, tc.errText)
				}
				if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v is not %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sameKeys(t, keys, tc.want)
		})
	}
}

// Figure 10's keys, once the duplicate serial is gone, carry their
// validity dates.
func TestParsePSKCFigure10Policy(t *testing.T) {
	doc := string(figure(t, "10"))
	last := strings.LastIndex(doc, "<KeyPackage>")
	doc = doc[:last] + "</KeyContainer>\n"
	keys, err := ParsePSKC(strings.NewReader(doc), PSKCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	day := func(m time.Month, d int) time.Time { return time.Date(2006, m, d, 0, 0, 0, 0, time.UTC) }
	want := []Key{
		hotpKey("654321", secret20, 8, "TokenVendorAcme"),
		hotpKey("123456", secret20, 8, "TokenVendorAcme"),
		hotpKey("9999999", secret20, 8, "TokenVendorAcme"),
	}
	want[0].NotBefore, want[0].NotAfter = day(5, 1), day(5, 31)
	want[1].NotBefore, want[1].NotAfter = day(5, 1), day(5, 31)
	want[2].NotBefore, want[2].NotAfter = day(3, 1), day(3, 31)
	sameKeys(t, keys, want)
}

// The MAC key of figure 6 and the derived key of figure 7 are the ones the
// RFC's comments give.
func TestPSKCDerivedKeys(t *testing.T) {
	for _, tc := range []struct {
		fig          string
		o            PSKCOptions
		encKey, mKey string
	}{
		{"6", PSKCOptions{PreSharedKey: fig6PSK}, "12345678901234567890123456789012", "1122334455667788990011223344556677889900"},
		{"7", PSKCOptions{Password: fig7Pass}, "651e63cd57008476af1ff6422cd02e41", ""},
	} {
		var c pskcContainer
		if err := xml.Unmarshal(figure(t, tc.fig), &c); err != nil {
			t.Fatal(err)
		}
		d := &pskcDecrypter{c: &c, o: tc.o}
		if err := d.init(); err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(d.encKey) != tc.encKey {
			t.Errorf("figure %s: encryption key %x, want %s", tc.fig, d.encKey, tc.encKey)
		}
		if tc.mKey != "" && hex.EncodeToString(d.macKey) != tc.mKey {
			t.Errorf("figure %s: MAC key %x, want %s", tc.fig, d.macKey, tc.mKey)
		}
	}
}

func TestParsePSKCRefuses(t *testing.T) {
	fig6, fig7 := string(figure(t, "6")), string(figure(t, "7"))
	edit := func(doc, old, new string) string {
		t.Helper()
		if !strings.Contains(doc, old) {
			t.Fatalf("test document lacks %q", old)
		}
		return strings.Replace(doc, old, new, 1)
	}
	psk := PSKCOptions{PreSharedKey: fig6PSK}
	pass := PSKCOptions{Password: fig7Pass}
	for name, tc := range map[string]struct {
		doc     string
		o       PSKCOptions
		wantErr error
		errText string
	}{
		"figure 6 without key":      {fig6, PSKCOptions{Password: "x"}, ErrNeedKey, "pre-shared key"},
		"figure 6 wrong key":        {fig6, PSKCOptions{PreSharedKey: unhex("12345678901234567890123456789013")}, ErrMAC, ""},
		"figure 6 short key":        {fig6, PSKCOptions{PreSharedKey: unhex("1234")}, nil, "want 16 bytes"},
		"figure 7 without password": {fig7, PSKCOptions{PreSharedKey: fig6PSK}, ErrNeedKey, "PBKDF2"},
		"figure 7 wrong password":   {fig7, PSKCOptions{Password: "qwertz"}, ErrMAC, ""},
		"altered ValueMAC":          {edit(fig6, "Su+NvtQfmvfJzF6bmQiJqoLRExc=", "Tu+NvtQfmvfJzF6bmQiJqoLRExc="), psk, ErrMAC, "secret"},
		"altered ciphertext":        {edit(fig6, "AAECAwQFBgcICQoLDA0OD+cI", "AAECAwQFBgcICQoLDA0OD+cJ"), psk, ErrMAC, "secret"},
		"altered IV":                {edit(fig6, "AAECAwQFBgcICQoLDA0OD+cI", "AAECAwQFBgcICQoLDA0OE+cI"), psk, ErrMAC, "secret"},
		"no ValueMAC":               {edit(fig6, "<ValueMAC>Su+NvtQfmvfJzF6bmQiJqoLRExc=\n                    </ValueMAC>", ""), psk, nil, "without ValueMAC"},
		"no MACMethod":              {strings.ReplaceAll(fig6, "MACMethod", "OtherMethod"), psk, nil, "no MACMethod"},
		"MAC algorithm":             {edit(fig6, "xmldsig#hmac-sha1", "xmldsig#hmac-md5"), psk, ErrUnsupported, "hmac-md5"},
		"3DES value": {edit(fig6, `Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
                        <xenc:CipherData>`, `Algorithm="http://www.w3.org/2001/04/xmlenc#tripledes-cbc"/>
                        <xenc:CipherData>`), psk, ErrUnsupported, "tripledes-cbc"},
		"key wrap MAC key":  {edit(fig6, "xmlenc#aes128-cbc", "xmlenc#kw-aes128"), psk, ErrUnsupported, "kw-aes128"},
		"scrypt":            {edit(fig7, "pkcs-5v2-0#pbkdf2", "pkcs-5v2-0#scrypt"), pass, ErrUnsupported, "scrypt"},
		"PBKDF2 PRF":        {edit(fig7, "<PRF/>", `<PRF Algorithm="urn:prf:md5"/>`), pass, ErrUnsupported, "PRF"},
		"PBKDF2 huge count": {edit(fig7, "<IterationCount>1000<", "<IterationCount>999999999<"), pass, nil, "iteration count"},
		"OTP algorithm":     {edit(fig6, "pskc:hotp", "pskc:ocra"), psk, ErrUnsupported, "pskc:ocra"},
		"hex response":      {edit(fig6, `Encoding="DECIMAL"`, `Encoding="HEXADECIMAL"`), psk, ErrUnsupported, "HEXADECIMAL"},
		"4 digits":          {edit(fig6, `Length="8"`, `Length="4"`), psk, ErrUnsupported, "length 4"},
		"PIN prepended":     {edit(string(figure(t, "5")), `"Local"`, `"Prepend"`), PSKCOptions{}, ErrUnsupported, "Prepend"},
		"version":           {edit(fig6, `Version="1.0"`, `Version="2.0"`), psk, ErrUnsupported, "Version"},
		"not PSKC":          {`<KeyContainer Version="1.0"><KeyPackage/></KeyContainer>`, psk, nil, "expected element"},
		"not XML":           {"serial,seed\n", psk, nil, "EOF"},
		"truncated":         {fig6[:len(fig6)/2], psk, nil, "unexpected EOF"},
		"no keys":           {`<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"/>`, psk, nil, "no OTP keys"},
		"bad serial":        {edit(fig6, "<SerialNo>987654321</SerialNo>", "<SerialNo>98765 4321</SerialNo>"), psk, nil, "serial"},
		"bad dates":         {edit(string(figure(t, "10")), "2006-05-01T00:00:00Z", "May 1st"), PSKCOptions{}, nil, "StartDate"},
		"plain not base64":  {edit(string(figure(t, "2")), "MTIzNA==", "MTIzNA=!"), PSKCOptions{}, nil, "base64"},
	} {
		t.Run(name, func(t *testing.T) {
			keys, err := ParsePSKC(strings.NewReader(tc.doc), tc.o)
			if err == nil || keys != nil {
				t.Fatalf("got %d keys, %v; want an error and no keys", len(keys), err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %q is not %q", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.errText) {
				t.Errorf("error %q lacks %q", err, tc.errText)
			}
			if strings.Contains(err.Error(), "1234567890") {
				t.Errorf("error %q shows secret material", err)
			}
		})
	}
}

// totpDoc is a PSKC file of TOTP keys; extra is appended to the container.
func totpDoc(extra string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
  <KeyPackage>
    <DeviceInfo><Manufacturer>Acme</Manufacturer><SerialNo>T0001</SerialNo></DeviceInfo>
    <Key Id="k1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp">
      <AlgorithmParameters><Suite>HMAC-SHA256</Suite><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
      <Data>
        <Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=</PlainValue></Secret>
        <Time><PlainValue>0</PlainValue></Time>
        <TimeInterval><PlainValue>60</PlainValue></TimeInterval>
      </Data>
    </Key>
  </KeyPackage>
  <KeyPackage>
    <DeviceInfo><Manufacturer>Acme</Manufacturer><SerialNo>T0002</SerialNo></DeviceInfo>
    <Key Id="k2" Algorithm="http://www.ietf.org/keyprov/pskc#totp">
      <AlgorithmParameters><ResponseFormat Length="8"/></AlgorithmParameters>
      <Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret></Data>
    </Key>
  </KeyPackage>` + extra + `
</KeyContainer>`
}

func TestParsePSKCTOTP(t *testing.T) {
	keys, err := ParsePSKC(strings.NewReader(totpDoc("")), PSKCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sameKeys(t, keys, []Key{
		{Serial: "T0001", Secret: []byte("12345678901234567890123456789012"), Digits: 6, Period: 60, Algorithm: "SHA256", Kind: "totp", Manufacturer: "Acme"},
		// No TimeInterval: RFC 6030's default of 30 s.
		{Serial: "T0002", Secret: secret20, Digits: 8, Period: 30, Algorithm: "SHA1", Kind: "totp", Manufacturer: "Acme"},
	})
}

// One bad key package after good ones: nothing is imported.
func TestParsePSKCAllOrNothing(t *testing.T) {
	for name, extra := range map[string]string{
		"unknown algorithm": `<KeyPackage><DeviceInfo><SerialNo>T0003</SerialNo></DeviceInfo>
    <Key Id="k3" Algorithm="urn:example:otp"><Data><Secret><PlainValue>MTIzNA==</PlainValue></Secret></Data></Key></KeyPackage>`,
		"bad interval": `<KeyPackage><DeviceInfo><SerialNo>T0003</SerialNo></DeviceInfo>
    <Key Id="k3" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp"><Data><Secret><PlainValue>MTIzNA==</PlainValue></Secret>
    <TimeInterval><PlainValue>0</PlainValue></TimeInterval></Data></Key></KeyPackage>`,
		"duplicate serial": `<KeyPackage><DeviceInfo><SerialNo>T0001</SerialNo></DeviceInfo>
    <Key Id="k3" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp"><Data><Secret><PlainValue>MTIzNA==</PlainValue></Secret></Data></Key></KeyPackage>`,
		"no secret": `<KeyPackage><DeviceInfo><SerialNo>T0003</SerialNo></DeviceInfo>
    <Key Id="k3" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp"><Data/></Key></KeyPackage>`,
		"encrypted, no EncryptionKey": `<KeyPackage><DeviceInfo><SerialNo>T0003</SerialNo></DeviceInfo>
    <Key Id="k3" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp"><Data><Secret><EncryptedValue/></Secret></Data></Key></KeyPackage>`,
	} {
		keys, err := ParsePSKC(strings.NewReader(totpDoc(extra)), bothOptions)
		if err == nil || keys != nil {
			t.Errorf("%s: %d keys, %v; want an error and no keys", name, len(keys), err)
		} else if !strings.Contains(err.Error(), "KeyPackage 3") {
			t.Errorf("%s: error %q does not name KeyPackage 3", name, err)
		}
	}
}

func TestParsePSKCSizeLimit(t *testing.T) {
	doc := totpDoc("<!--" + strings.Repeat(" ", MaxFileSize) + "-->")
	if keys, err := ParsePSKC(strings.NewReader(doc), PSKCOptions{}); err == nil || !strings.Contains(err.Error(), "exceeds") || keys != nil {
		t.Fatalf("oversized file: %d keys, %v", len(keys), err)
	}
}
