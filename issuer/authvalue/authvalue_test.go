package authvalue

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"regexp"
	"testing"
	"time"
)

var (
	t0    = time.Date(2026, 11, 22, 3, 4, 5, 0, time.UTC)
	card  = sha256.Sum256([]byte("pan hmac of a card"))
	other = sha256.Sum256([]byte("pan hmac of another card"))
	buy   = Purchase{PANHMAC: card[:], Amount: 1250, Currency: "JPY"}
	// emvFormat is EMV 3-D Secure 2.2.0's pattern for authenticationValue.
	emvFormat = regexp.MustCompile(`^[a-zA-Z0-9+/]{26,28}={0,2}$`)
)

func testKeys(t testing.TB, current int, ids ...int) *Keys {
	t.Helper()
	m := map[int][]byte{}
	for _, id := range ids {
		m[id] = bytes.Repeat([]byte{byte(id)}, KeySize)
	}
	k, err := NewKeys(current, m)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mint(t testing.TB, k *Keys, f Facts) string {
	t.Helper()
	av, err := k.Mint(f)
	if err != nil {
		t.Fatal(err)
	}
	return av
}

// TestMintVerify: a value is 28 characters of EMV's format, says what was
// minted, and differs each time (the random bytes) for the same facts.
func TestMintVerify(t *testing.T) {
	k := testKeys(t, 7, 7)
	for _, f := range []Facts{
		{Purchase: buy, Status: "Y", Method: "04", At: t0},
		{Purchase: buy, Status: "Y", Method: MethodNone, At: t0},
		{Purchase: Purchase{PANHMAC: other[:], Amount: 0, Currency: "USD"}, Status: "A", Method: "00", At: t0},
		{Purchase: Purchase{PANHMAC: card[:], Amount: 999_999_999_999, Currency: "KWD"}, Status: "Y", Method: "05", At: t0.Add(999 * time.Millisecond)},
		// An EMV non-payment authentication: no amount, no currency.
		{Purchase: Purchase{PANHMAC: card[:], Amount: 0, Currency: ""}, Status: "Y", Method: "02", At: t0},
	} {
		av := mint(t, k, f)
		if len(av) != Len || !emvFormat.MatchString(av) {
			t.Errorf("%+v: %q is not 28 characters of EMV's format", f, av)
		}
		got, err := k.Verify(av, f.Purchase, t0.Add(time.Hour))
		want := Checked{Status: f.Status, Method: f.Method, At: t0, KeyID: 7}
		if err != nil || got != want {
			t.Errorf("%+v: Verify = %+v, %v; want %+v", f, got, err, want)
		}
	}
	seen := map[string]bool{}
	for range 1000 {
		av := mint(t, k, Facts{Purchase: buy, Status: "Y", Method: "02", At: t0})
		seen[av] = true
	}
	// 16 random bits: 1000 values hold about 1000²/2/2^16 ≈ 7.6 colliding
	// pairs (Poisson), so a sound minter loses about 8 and more than 50
	// only with odds below 10^-20; a minter whose random part is stuck
	// or a few bits wide loses hundreds.
	if len(seen) < 950 {
		t.Errorf("1000 values of the same facts: only %d distinct", len(seen))
	}
}

// TestVerifyRefuses: every way a value can be wrong is refused, with its
// reason.
func TestVerifyRefuses(t *testing.T) {
	old := testKeys(t, 1, 1)
	k := testKeys(t, 2, 1, 2) // rotated: 2 mints, 1 still verifies
	f := Facts{Purchase: buy, Status: "Y", Method: "02", At: t0}
	av := mint(t, k, f)
	avOld := mint(t, old, f)
	raw, _ := base64.StdEncoding.DecodeString(av)
	reencode := func(edit func(b []byte)) string {
		b := bytes.Clone(raw)
		edit(b)
		return base64.StdEncoding.EncodeToString(b)
	}
	now := t0.Add(time.Minute)
	tests := []struct {
		name string
		av   string
		p    Purchase
		now  time.Time
		want error // nil: verifies
	}{
		{"right", av, buy, now, nil},
		{"rotated key still verifies", avOld, buy, now, nil},
		{"unpadded", av[:27], buy, now, nil},
		{"wrong card", av, Purchase{PANHMAC: other[:], Amount: 1250, Currency: "JPY"}, now, ErrMismatch},
		{"wrong amount", av, Purchase{PANHMAC: card[:], Amount: 1251, Currency: "JPY"}, now, ErrMismatch},
		{"wrong currency", av, Purchase{PANHMAC: card[:], Amount: 1250, Currency: "USD"}, now, ErrMismatch},
		{"truncated PAN HMAC", av, Purchase{PANHMAC: card[:31], Amount: 1250, Currency: "JPY"}, now, ErrMismatch},
		{"unknown key", mint(t, testKeys(t, 3, 3), f), buy, now, ErrUnknownKey},
		{"key id 0", reencode(func(b []byte) { b[1] = 0 }), buy, now, ErrUnknownKey},
		{"key of another issuer with a known id", mint(t, mustKeys(t, 2, map[int][]byte{2: NewKey()}), f), buy, now, ErrMismatch},
		{"at MaxAge", av, buy, t0.Add(MaxAge), nil},
		{"too old", av, buy, t0.Add(MaxAge + time.Second), ErrTooOld},
		{"at MaxSkew ahead", av, buy, t0.Add(-MaxSkew), nil},
		{"from the future", av, buy, t0.Add(-MaxSkew - time.Second), ErrFuture},
		{"empty", "", buy, now, ErrMalformed},
		{"not base64", "!!!!!!!!!!!!!!!!!!!!!!!!!!!=", buy, now, ErrMalformed},
		{"base64url alphabet", "AQIC-_8AAAAAAAAAAAAAAAAAAAA=", buy, now, ErrMalformed},
		{"19 bytes", base64.StdEncoding.EncodeToString(raw[:19]), buy, now, ErrMalformed},
		{"21 bytes", base64.StdEncoding.EncodeToString(append(bytes.Clone(raw), 0)), buy, now, ErrMalformed},
		{"32 characters", av + "AAAA", buy, now, ErrMalformed},
		{"padding bits set", av[:26] + string(flipLow(av[26])) + "=", buy, now, ErrMalformed},
		{"space", " " + av[1:], buy, now, ErrMalformed},
		{"newline", av[:27] + "\n", buy, now, ErrMalformed},
		{"layout version 2", reencode(func(b []byte) { b[0] = 2 }), buy, now, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := k.Verify(tt.av, tt.p, tt.now)
			if tt.want == nil {
				if err != nil || got.Status != "Y" || got.Method != "02" || !got.At.Equal(t0) {
					t.Errorf("Verify = %+v, %v; want it to verify", got, err)
				}
				return
			}
			if !errors.Is(err, tt.want) || Reason(err) != tt.want.Error() {
				t.Errorf("Verify = %+v, %v (reason %q); want %v", got, err, Reason(err), tt.want)
			}
		})
	}
}

// flipLow changes the lowest bit of a base64 character: in the last
// character of a 20-byte value it is a padding bit.
func flipLow(c byte) byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	i := bytes.IndexByte([]byte(alphabet), c)
	return alphabet[i^1]
}

func mustKeys(t *testing.T, current int, m map[int][]byte) *Keys {
	t.Helper()
	k, err := NewKeys(current, m)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestTamper: every bit of every byte is covered: flipping any one gives a
// value that does not verify.
func TestTamper(t *testing.T) {
	k := testKeys(t, 1, 1, 2)
	av := mint(t, k, Facts{Purchase: buy, Status: "Y", Method: "01", At: t0})
	raw, _ := base64.StdEncoding.DecodeString(av)
	for i := range Size {
		for bit := range 8 {
			b := bytes.Clone(raw)
			b[i] ^= 1 << bit
			got, err := k.Verify(base64.StdEncoding.EncodeToString(b), buy, t0)
			if err == nil || Reason(err) == "" {
				t.Errorf("byte %d bit %d flipped: %+v, %v; want a refusal", i, bit, got, err)
			}
		}
	}
}

func TestMintRefuses(t *testing.T) {
	k := testKeys(t, 1, 1)
	good := Facts{Purchase: buy, Status: "Y", Method: "04", At: t0}
	tests := []struct {
		name string
		edit func(*Facts)
	}{
		{"status N", func(f *Facts) { f.Status = "N" }},
		{"status empty", func(f *Facts) { f.Status = "" }},
		{"method one digit", func(f *Facts) { f.Method = "4" }},
		{"method word", func(f *Facts) { f.Method = "app" }},
		{"no time", func(f *Facts) { f.At = time.Time{} }},
		{"before 1970", func(f *Facts) { f.At = time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"after 2106", func(f *Facts) { f.At = time.Date(2106, 3, 1, 0, 0, 0, 0, time.UTC) }},
		{"negative amount", func(f *Facts) { f.Amount = -1 }},
		{"lower-case currency", func(f *Facts) { f.Currency = "jpy" }},
		{"numeric currency", func(f *Facts) { f.Currency = "392" }},
		{"an amount without a currency", func(f *Facts) { f.Currency = "" }},
		{"no PAN HMAC", func(f *Facts) { f.PANHMAC = nil }},
	}
	for _, tt := range tests {
		f := good
		tt.edit(&f)
		if av, err := k.Mint(f); err == nil {
			t.Errorf("%s: minted %q", tt.name, av)
		}
	}
	if _, err := k.Mint(good); err != nil {
		t.Errorf("good facts: %v", err)
	}
	if _, err := k.Verify(mint(t, k, good), Purchase{PANHMAC: card[:], Amount: 1250, Currency: "yen"}, t0); err == nil || Reason(err) != "" {
		t.Errorf("Verify of a bad purchase: %v; want an error that is no reason about the value", err)
	}
}

func TestNewKeys(t *testing.T) {
	key := NewKey()
	for _, tt := range []struct {
		name    string
		current int
		keys    map[int][]byte
	}{
		{"no keys", 1, nil},
		{"current missing", 2, map[int][]byte{1: key}},
		{"id 0", 0, map[int][]byte{0: key}},
		{"id 256", 256, map[int][]byte{256: key}},
		{"short key", 1, map[int][]byte{1: key[:16]}},
	} {
		if _, err := NewKeys(tt.current, tt.keys); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	k := mustKeys(t, 255, map[int][]byte{1: key, 255: NewKey()})
	if k.Current() != 255 || !k.Has(1) || k.Has(2) || k.Has(0) {
		t.Errorf("Current %d, Has(1) %v, Has(2) %v", k.Current(), k.Has(1), k.Has(2))
	}
	// NewKeys copies: the caller's slice may be wiped afterwards.
	av := mint(t, k, Facts{Purchase: buy, Status: "Y", Method: "00", At: t0})
	clear(key)
	k2 := mustKeys(t, 1, map[int][]byte{1: bytes.Repeat([]byte{0}, KeySize)})
	if _, err := k.Verify(av, buy, t0); err != nil {
		t.Errorf("after the caller cleared its key: %v", err)
	}
	if _, err := k2.Verify(av, buy, t0); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("another key set: %v", err)
	}
}

func BenchmarkMint(b *testing.B) {
	k := testKeys(b, 1, 1)
	f := Facts{Purchase: buy, Status: "Y", Method: "04", At: t0}
	for b.Loop() {
		if _, err := k.Mint(f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	k := testKeys(b, 1, 1)
	av := mint(b, k, Facts{Purchase: buy, Status: "Y", Method: "04", At: t0})
	for b.Loop() {
		if _, err := k.Verify(av, buy, t0); err != nil {
			b.Fatal(err)
		}
	}
}
