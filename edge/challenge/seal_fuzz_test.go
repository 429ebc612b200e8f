package challenge

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

// fuzzPayloads are the only payloads the seal targets ever seal, each for
// its own jti: whatever opens must be one of them, under its jti.
var fuzzPayloads = map[string]Payload{
	"jti-email": {PM: "こんにちは", Codes: []Code{{Cred: "email", Code: "123456"}}, AV: "AAABBB", MaxAttempts: 5, Period: 600},
	"jti-totp": {PM: "pm", Codes: []Code{{Cred: "c1", Step: 29_000_000, Code: "000001"}, {Cred: "c1", Step: 29_000_001, Code: "999999"}},
		MaxAttempts: 5, Period: 60, Skew: 1},
}

// FuzzOpen opens seals with the edge's ring of an X-Wing and an X25519 key:
// real seals of both and their tampered bytes. Properties: Open never
// panics; its errors wrap ErrSeal; what opens is exactly a payload the test
// sealed, under the jti it was sealed for (HPKE's integrity and the jti
// binding). And a payload sealed to either key under any jti opens with
// that jti to what was sealed (after JSON's own normalisation), and not
// with another jti.
func FuzzOpen(f *testing.F) {
	xwing, x25519 := fixedSealKey(f, KEMXWing, 3), fixedSealKey(f, KEMX25519, 4)
	x25519.NotBefore = t0 // a ring: opens with either key
	ring, err := NewSealKeyRing([]SealKey{xwing, x25519}, t0.Add(time.Hour))
	if err != nil {
		f.Fatal(err)
	}
	for _, k := range []SealKey{xwing, x25519} {
		for jti, p := range fuzzPayloads {
			s, err := k.Public().Seal(jti, p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(s.KID, s.Enc, s.CT, jti)
		}
	}
	f.Add("", []byte{}, []byte{}, "")
	f.Fuzz(func(t *testing.T, kid string, enc, ct []byte, jti string) {
		p, err := ring.Open(Sealed{KID: kid, Enc: enc, CT: ct}, jti)
		if err != nil {
			if !errors.Is(err, ErrSeal) {
				t.Fatalf("Open error does not wrap ErrSeal: %v", err)
			}
		} else if want, ok := fuzzPayloads[jti]; !ok || !reflect.DeepEqual(p, want) {
			t.Fatalf("opened %+v under jti %q: not a payload sealed for it", p, jti)
		}

		// Round trip: the fuzzed bytes as a personal message.
		if jti == "" {
			return
		}
		k := xwing
		if len(kid)%2 == 1 {
			k = x25519
		}
		in := Payload{PM: string(ct), Codes: []Code{{Cred: kid, Code: string(enc)}}, MaxAttempts: len(ct)}
		s, err := k.Public().Seal(jti, in)
		if err != nil {
			t.Fatalf("seal: %v", err)
		}
		got, err := ring.Open(s, jti)
		if err != nil {
			t.Fatalf("open what was just sealed: %v", err)
		}
		if want := jsonNormal(t, in); !reflect.DeepEqual(got, want) {
			t.Fatalf("opened %+v, sealed %+v", got, want)
		}
		if _, err := ring.Open(s, jti+"x"); !errors.Is(err, ErrSeal) {
			t.Fatalf("seal opened under another jti: %v", err)
		}
	})
}

// jsonNormal is p after a JSON round trip (invalid UTF-8 becomes U+FFFD).
func jsonNormal(t *testing.T, p Payload) Payload {
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var out Payload
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
