package challenge

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// FuzzKeyFiles parses the edge's three key files (edge-sign.jwk,
// edge-seal.jwk, issuer.jwks: secrets on Workers, files natively; the same
// JWK and JWKS readers serve the issuer's files and the merchant's fetched
// JWKS). Properties: no panic; a signing key that loads has a private key
// whose public half is the one its file names, one signer throughout its
// rotation, and writes back to a file that loads to the same rotation;
// every seal key of a ring that loads opens what its public half seals;
// a JWKS that parses writes back to one that parses to the same keys.
func FuzzKeyFiles(f *testing.F) {
	is, es := fixedSigningKey(IssuerName, 1), fixedSigningKey(EdgeName, 2)
	next := fixedSigningKey(EdgeName, 5)
	next.NotBefore = t0
	xwing, x25519 := fixedSealKey(f, KEMXWing, 3), fixedSealKey(f, KEMX25519, 4)
	x25519.NotBefore = t0
	sealJWK := func(ks ...SealKey) []byte {
		var js []jwk
		for _, k := range ks {
			j, err := k.jwk()
			if err != nil {
				f.Fatal(err)
			}
			js = append(js, j)
		}
		return mustJSON(f, keyFileContent(js))
	}
	signJWK := func(ks ...SigningKey) []byte {
		var js []jwk
		for _, k := range ks {
			js = append(js, k.jwk())
		}
		return mustJSON(f, keyFileContent(js))
	}
	jwks := func(sign []PublicKey, seal []SealPublicKey) []byte {
		b, err := JWKS(sign, seal)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	f.Add(signJWK(es), sealJWK(xwing), jwks([]PublicKey{is.Public()}, nil))
	f.Add(signJWK(es, next), sealJWK(xwing, x25519), jwks([]PublicKey{is.Public(), es.Public()}, []SealPublicKey{xwing.Public()}))
	f.Add([]byte(`{"keys":[]}`), []byte(`{"kty":"AKP"}`), []byte(`{"keys":[{"kty":"RSA","n":"x"}]}`))

	f.Fuzz(func(t *testing.T, signFile, sealFile, jwksFile []byte) {
		if ek, err := ParseEdgeKeys(signFile, sealFile, jwksFile); err == nil {
			checkSigningRotation(t, ek.Sign)
			checkSealRing(t, ek.Seal)
		}
		// Each reader on its own, so one bad file does not hide the others.
		if k, err := parseSigningKeys(signFile, t0); err == nil {
			checkSigningRotation(t, k)
		}
		if k, err := parseSealKeys(sealFile, t0); err == nil {
			checkSealRing(t, k)
		}
		sign, seal, err := parseJWKS(jwksFile)
		if err != nil {
			return
		}
		again, err := JWKS(sign, seal)
		if err != nil {
			t.Fatalf("JWKS of parsed keys: %v", err)
		}
		sign2, seal2, err := parseJWKS(again)
		if err != nil {
			t.Fatalf("JWKS written from parsed keys does not parse: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(sign, sign2) || len(seal) != len(seal2) {
			t.Fatalf("JWKS round trip changed the keys:\n%+v\n%+v", sign, sign2)
		}
		for i := range seal {
			a, b := seal[i], seal2[i]
			if a.KID != b.KID || a.KEM != b.KEM || !a.NotBefore.Equal(b.NotBefore) || !bytes.Equal(a.Key.Bytes(), b.Key.Bytes()) {
				t.Fatalf("JWKS round trip changed seal key %d:\n%+v\n%+v", i, a, b)
			}
		}
	})
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkSigningRotation(t *testing.T, k SigningKey) {
	t.Helper()
	rot := k.Rotation()
	var js []jwk
	for _, r := range rot {
		if r.KID == "" || r.Signer == "" || r.Signer != rot[0].Signer {
			t.Fatalf("signing key without kid or signer, or of two signers: %+v", rot)
		}
		js = append(js, r.jwk())
	}
	// The file's x is checked against d, so the public key is d's.
	for _, r := range rot {
		pub := r.Public()
		if !pub.Key.Equal(r.Private.Public()) {
			t.Fatalf("public key %x is not the private key's", pub.Key)
		}
	}
	back, err := parseSigningKeys(mustJSON(t, keyFileContent(js)), t0)
	if err != nil {
		t.Fatalf("a loaded signing key, written back, does not load: %v", err)
	}
	got := back.Rotation()
	if len(got) != len(rot) {
		t.Fatalf("rotation of %d keys came back as %d", len(rot), len(got))
	}
	for i := range rot {
		if got[i].KID != rot[i].KID || !got[i].Private.Equal(rot[i].Private) || !got[i].NotBefore.Equal(rot[i].NotBefore) {
			t.Fatalf("signing key %d changed when written back: %+v, %+v", i, rot[i], got[i])
		}
	}
}

func checkSealRing(t *testing.T, k SealKey) {
	t.Helper()
	for _, r := range k.Ring() {
		s, err := r.Public().Seal("jti", Payload{PM: "pm", Codes: []Code{{Cred: "c", Code: "123456"}}})
		if err != nil {
			t.Fatalf("seal to a loaded key %q: %v", r.KID, err)
		}
		p, err := k.Open(s, "jti")
		if err != nil && !errors.Is(err, ErrSeal) {
			t.Fatalf("open: %v", err)
		}
		// Two keys of a ring may share a kid; Open takes the first.
		if err != nil && sameKID(k.Ring(), r.KID) == 1 {
			t.Fatalf("a loaded seal key %q does not open its own seal: %v", r.KID, err)
		}
		if err == nil && p.PM != "pm" {
			t.Fatalf("opened %+v", p)
		}
	}
}

func sameKID(ring []SealKey, kid string) int {
	n := 0
	for _, r := range ring {
		if r.KID == kid {
			n++
		}
	}
	return n
}
