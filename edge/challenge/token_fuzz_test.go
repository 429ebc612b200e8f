package challenge

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/honnin/honnin/edge/contract"
)

// The fuzz targets use fixed keys (seeded, not random) so that a token in
// the committed corpus (testdata/fuzz) verifies in every run, and a token
// that verifies can be traced to one the test minted.

// fixedSigningKey is an Ed25519 key of signer derived from one byte.
func fixedSigningKey(signer string, b byte) SigningKey {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
	return SigningKey{KID: thumbprint(priv.Public().(ed25519.PublicKey)), Private: priv, Signer: signer}
}

// fixedSealKey is a seal key of kem whose private key is 32 bytes of b.
func fixedSealKey(t testing.TB, kem KEM, b byte) SealKey {
	t.Helper()
	raw := bytes.Repeat([]byte{b}, 32)
	priv, err := sealPrivate(kem, raw)
	if err != nil {
		t.Fatal(err)
	}
	k, err := jwk{Kty: "AKP", KID: "seal-" + string(kem), Alg: kem.alg(), Use: "enc",
		Pub: b64.EncodeToString(priv.PublicKey().Bytes()), Priv: b64.EncodeToString(raw)}.sealKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fuzzNow is the verifiers' clock: every minted token is valid at it.
var fuzzNow = t0.Add(time.Minute)

// tokenKind is one kind of token with the verifier that checks it.
type tokenKind struct {
	typ       string
	v         Verifier
	newClaims func() jwt.Claims
}

// tokenKinds are the five kinds the edge and the issuer verify, each with
// the verifier its receiver uses. Every verifier knows both signers' keys,
// as the published JWKS does, so one party's key standing in for the
// other's is tried as well.
func tokenKinds(issuer, edge SigningKey) []tokenKind {
	keys := NewKeySet(issuer.Public(), edge.Public())
	now := func() time.Time { return fuzzNow }
	return []tokenKind{
		{TypSession, Verifier{Keys: keys, Issuer: IssuerName, Audience: EdgeName, Now: now}, func() jwt.Claims { return &SessionClaims{} }},
		{TypChallenge, Verifier{Keys: keys, Issuer: IssuerName, Audience: EdgeName, Now: now}, func() jwt.Claims { return &ChallengeClaims{} }},
		{TypResult, Verifier{Keys: keys, Issuer: EdgeName, Audience: "http://localhost:8080", Now: now}, func() jwt.Claims { return &ResultClaims{} }},
		{TypEdge, Verifier{Keys: keys, Issuer: EdgeName, Audience: IssuerName, MaxLifetime: time.Minute, Now: now}, func() jwt.Claims { return &EdgeClaims{} }},
		{TypCredentials, Verifier{Keys: keys, Issuer: IssuerName, Audience: EdgeName, MaxLifetime: time.Minute, Now: now}, func() jwt.Claims { return &CredentialsClaims{} }},
	}
}

// mintedTokens signs, with the fixed keys, valid tokens of every kind and a
// few that are refused for their claims (expired, wrong audience, wrong
// signer, wrong typ). The challenge token's seal is a fixed blob: Verify
// does not open it, and a fixed one keeps the tokens byte for byte the same
// from run to run.
func mintedTokens(t testing.TB, issuer, edge SigningKey) []string {
	t.Helper()
	reg := func(iss, aud string, exp time.Duration) jwt.RegisteredClaims {
		return registered(iss, aud, "auth1", "jti1", t0, t0.Add(exp))
	}
	seal := Sealed{KID: "seal-X25519", Enc: bytes.Repeat([]byte{1}, 32), CT: bytes.Repeat([]byte{2}, 48)}
	chal := func(r jwt.RegisteredClaims) *ChallengeClaims {
		return &ChallengeClaims{RegisteredClaims: r, Gen: 1,
			Txn:    Txn{Merchant: "Demo Shop", Amount: 1250, Currency: "JPY", Date: t0, Last4: "9016"},
			Method: contract.MethodEmail, Dest: "***@mail.jp", ResendsLeft: 3, MerchantOrigin: "http://localhost:8080", Seal: seal}
	}
	type mint struct {
		key    SigningKey
		typ    string
		claims jwt.Claims
	}
	mints := []mint{
		{issuer, TypSession, &SessionClaims{reg(IssuerName, EdgeName, 10*time.Minute), "http://localhost:8080", nil, nil, ""}},
		{issuer, TypChallenge, chal(reg(IssuerName, EdgeName, 10*time.Minute))},
		{edge, TypResult, &ResultClaims{RegisteredClaims: reg(EdgeName, "http://localhost:8080", 5*time.Minute),
			Status: contract.StatusAuthenticated, AV: "AAABBBCCC", ECI: "05"}},
		{edge, TypResult, &ResultClaims{RegisteredClaims: reg(EdgeName, "http://localhost:8080", 5*time.Minute),
			Status: contract.StatusNotAuthenticated, Reason: "max_attempts", StatusReason: contract.StatusReasonMaxChallenges, ECI: "07"}},
		{edge, TypEdge, &EdgeClaims{reg(EdgeName, IssuerName, time.Minute)}},
		{issuer, TypCredentials, &CredentialsClaims{RegisteredClaims: credReg(reg(IssuerName, EdgeName, time.Minute)),
			Creds: []CredState{{ID: "CRED1", Epoch: 2, Failures: 10}, {ID: "CRED2", Epoch: 7, Failures: 0}}}},
		// Refused for their claims or their signer.
		{issuer, TypChallenge, chal(reg(IssuerName, EdgeName, time.Minute))},                     // expired at fuzzNow
		{issuer, TypSession, &SessionClaims{reg(IssuerName, "x", time.Hour), "o", nil, nil, ""}}, // wrong aud
		{edge, TypSession, &SessionClaims{reg(IssuerName, EdgeName, time.Hour), "http://localhost:8080", nil, nil, ""}},
		{issuer, TypResult, &ResultClaims{RegisteredClaims: reg(EdgeName, "http://localhost:8080", time.Hour), Status: "Y"}},
		{edge, TypEdge, &EdgeClaims{reg(EdgeName, IssuerName, time.Hour)}}, // lifetime over a minute
		{issuer, TypCredentials, &CredentialsClaims{RegisteredClaims: credReg(reg(IssuerName, EdgeName, time.Minute)),
			Creds: []CredState{{ID: "CRED1", Epoch: 0, Failures: 10}}}}, // epoch 0
		{edge, TypCredentials, &CredentialsClaims{RegisteredClaims: credReg(reg(IssuerName, EdgeName, time.Minute)),
			Creds: []CredState{{ID: "CRED1", Epoch: 3}}}}, // the edge's key
	}
	var out []string
	for _, m := range mints {
		tok, err := Sign(m.key, m.typ, m.claims)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tok)
	}
	return out
}

// credReg is r as the issuer's credentials statement has it: its subject
// is "credentials".
func credReg(r jwt.RegisteredClaims) jwt.RegisteredClaims {
	r.Subject = "credentials"
	return r
}

// FuzzVerify checks tokens of every kind, from minted ones with bytes
// flipped to garbage. Properties: Verify never panics; its errors are
// ErrInvalid or ErrExpired; a token it accepts carries, over exactly the
// bytes it signs, the signature the test made with its own key (nobody
// else's, and no token it did not mint); its claims pass their own
// Validate; and golang-jwt, the reference, judges it the same (ok,
// expired or invalid).
func FuzzVerify(f *testing.F) {
	issuer, edge := fixedSigningKey(IssuerName, 1), fixedSigningKey(EdgeName, 2)
	kinds := tokenKinds(issuer, edge)
	minted := map[string][]byte{} // signing input → signature
	for _, tok := range mintedTokens(f, issuer, edge) {
		i := strings.LastIndexByte(tok, '.')
		sig, err := b64.DecodeString(tok[i+1:])
		if err != nil {
			f.Fatal(err)
		}
		minted[tok[:i]] = sig
		for k := range kinds {
			f.Add(uint8(k), tok)
		}
	}
	f.Add(uint8(0), "")
	f.Add(uint8(1), "..")
	f.Add(uint8(2), "eyJhbGciOiJub25lIn0.e30.")

	f.Fuzz(func(t *testing.T, kind uint8, token string) {
		k := kinds[int(kind)%len(kinds)]
		claims := k.newClaims()
		err := k.v.Verify(token, k.typ, claims)
		if err != nil && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrExpired) {
			t.Fatalf("error is neither ErrInvalid nor ErrExpired: %v", err)
		}
		if err == nil {
			i := strings.LastIndexByte(token, '.')
			want, ok := minted[token[:i]]
			if !ok {
				t.Fatalf("accepted a token the test did not sign: %q", token)
			}
			if sig, derr := b64.DecodeString(token[i+1:]); derr != nil || !bytes.Equal(sig, want) {
				t.Fatalf("accepted a signature other than the one minted: %q", token)
			}
			if cv, ok := claims.(claimsValidator); ok {
				if verr := cv.Validate(); verr != nil {
					t.Fatalf("accepted claims that fail Validate: %v", verr)
				}
			}
		}
		ref := k.newClaims()
		if g, w := verdictOf(err), verdictOf(jwtVerify(k.v, token, k.typ, ref)); g != w {
			t.Fatalf("Verify says %s (%v), golang-jwt says %s, for %q", g, err, w, token)
		}
	})
}

// FuzzTamper flips one byte of a minted token. Property: whatever the byte
// and wherever it is, the result is refused, unless it is the same token
// or decodes to the same bytes (the spare low bits of the signature's last
// base64 character, which base64 decoders ignore).
func FuzzTamper(f *testing.F) {
	issuer, edge := fixedSigningKey(IssuerName, 1), fixedSigningKey(EdgeName, 2)
	kinds := tokenKinds(issuer, edge)
	toks := mintedTokens(f, issuer, edge)
	// The valid token of each kind, in the order of kinds.
	valid := []string{toks[0], toks[1], toks[2], toks[4], toks[5]}
	for k := range valid {
		f.Add(uint8(k), uint16(0), byte(1))
		f.Add(uint8(k), uint16(len(valid[k])-1), byte(0x02))
		f.Add(uint8(k), uint16(strings.IndexByte(valid[k], '.')+3), byte('A'^'B'))
	}
	f.Fuzz(func(t *testing.T, kind uint8, pos uint16, xor byte) {
		k := int(kind) % len(kinds)
		tok := []byte(valid[k])
		tok[int(pos)%len(tok)] ^= xor
		if string(tok) == valid[k] {
			return
		}
		err := kinds[k].v.Verify(string(tok), kinds[k].typ, kinds[k].newClaims())
		if err == nil && !sameSegments(string(tok), valid[k]) {
			t.Fatalf("tampered token accepted (byte %d ^ %#x): %q", int(pos)%len(tok), xor, tok)
		}
	})
}

// sameSegments reports whether a and b are the same three segments once
// base64-decoded.
func sameSegments(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	if len(as) != 3 || len(bs) != 3 {
		return false
	}
	for i := range as {
		x, err1 := b64.DecodeString(as[i])
		y, err2 := b64.DecodeString(bs[i])
		if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
			return false
		}
	}
	return true
}
