package challenge

import (
	"crypto/rand"
	"encoding/json"
	"testing"

	circl "github.com/cloudflare/circl/hpke"
)

// TestSealInteropCircl: seals are the same on the wire as when circl made
// them (the issuer and the edge used circl before the standard library):
// circl opens what Seal sealed, Open opens what circl sealed, and a key file
// of circl's serialized keys loads.
func TestSealInteropCircl(t *testing.T) {
	for _, c := range []struct {
		kem KEM
		id  circl.KEM
	}{{KEMXWing, circl.KEM_XWING}, {KEMX25519, circl.KEM_X25519_HKDF_SHA256}} {
		t.Run(string(c.kem), func(t *testing.T) {
			suite := circl.NewSuite(c.id, circl.KDF_HKDF_SHA256, circl.AEAD_ChaCha20Poly1305)
			cpub, cpriv, err := c.id.Scheme().GenerateKeyPair()
			if err != nil {
				t.Fatal(err)
			}
			pb, _ := cpub.MarshalBinary()
			sb, _ := cpriv.MarshalBinary()
			// circl's key, as a key file would hold it.
			j := jwk{Kty: "AKP", KID: "k", Alg: c.kem.alg(), Use: "enc", Pub: b64.EncodeToString(pb), Priv: b64.EncodeToString(sb)}
			key, err := j.sealKey()
			if err != nil {
				t.Fatalf("circl's key does not load: %v", err)
			}
			want := Payload{PM: "本人", Codes: []Code{{Cred: "app", Step: 7, Code: "654321"}}, MaxAttempts: 5}

			// Seal here, open with circl.
			s, err := key.Public().Seal("jti-1", want)
			if err != nil {
				t.Fatal(err)
			}
			rcv, err := suite.NewReceiver(cpriv, sealInfo)
			if err != nil {
				t.Fatal(err)
			}
			op, err := rcv.Setup(s.Enc)
			if err != nil {
				t.Fatal(err)
			}
			pt, err := op.Open(s.CT, []byte("jti-1"))
			var got Payload
			if err != nil || json.Unmarshal(pt, &got) != nil || got.Codes[0] != want.Codes[0] {
				t.Fatalf("circl cannot open our seal: %v (%s)", err, pt)
			}

			// Seal with circl, open here.
			snd, err := suite.NewSender(cpub, sealInfo)
			if err != nil {
				t.Fatal(err)
			}
			enc, sealer, err := snd.Setup(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := json.Marshal(want)
			ct, err := sealer.Seal(body, []byte("jti-2"))
			if err != nil {
				t.Fatal(err)
			}
			got, err = key.Open(Sealed{KID: "k", Enc: enc, CT: ct}, "jti-2")
			if err != nil || got.PM != want.PM || got.Codes[0] != want.Codes[0] {
				t.Fatalf("Open of circl's seal = %+v, %v", got, err)
			}
			if _, err := key.Open(Sealed{KID: "k", Enc: enc, CT: ct}, "jti-1"); err == nil {
				t.Error("circl's seal opened under another jti")
			}
		})
	}
}
