package challenge

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/honnin/honnin/edge/contract"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

func mustSigningKey(t testing.TB, signer string) SigningKey {
	t.Helper()
	k, err := NewSigningKey(signer)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustSealKey(t testing.TB, k KEM) SealKey {
	t.Helper()
	s, err := NewSealKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func registered(iss, aud, sub, jti string, iat, exp time.Time) jwt.RegisteredClaims {
	return jwt.RegisteredClaims{
		Issuer: iss, Audience: jwt.ClaimStrings{aud}, Subject: sub, ID: jti,
		IssuedAt: jwt.NewNumericDate(iat), NotBefore: jwt.NewNumericDate(iat), ExpiresAt: jwt.NewNumericDate(exp),
	}
}

func challengeClaims(t testing.TB, seal SealPublicKey, jti string) *ChallengeClaims {
	t.Helper()
	s, err := seal.Seal(jti, Payload{PM: "hello", Codes: []Code{{Cred: "email", Code: "123456"}}, MaxAttempts: 5, Period: 600})
	if err != nil {
		t.Fatal(err)
	}
	return &ChallengeClaims{
		RegisteredClaims: registered(IssuerName, EdgeName, "auth1", jti, t0, t0.Add(10*time.Minute)),
		Gen:              1,
		Txn:              Txn{Merchant: "Demo Shop", Amount: 1250, Currency: "JPY", Date: t0, Last4: "9012"},
		Method:           "email",
		Dest:             "***@mail.jp",
		MerchantOrigin:   "http://localhost:8080",
		Seal:             s,
	}
}

// forge builds a token by hand, for the attacks golang-jwt would not mint.
func forge(header, claims any, sig []byte) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(h) + "." + enc.EncodeToString(c) + "." + enc.EncodeToString(sig)
}

func TestVerifyRejects(t *testing.T) {
	issuer := mustSigningKey(t, IssuerName)
	other := mustSigningKey(t, IssuerName)
	edge := mustSigningKey(t, EdgeName)
	seal := mustSealKey(t, KEMX25519)
	v := Verifier{Keys: NewKeySet(issuer.Public(), edge.Public()), Issuer: IssuerName, Audience: EdgeName, Now: func() time.Time { return t0.Add(time.Minute) }}

	sign := func(k SigningKey, typ string, c jwt.Claims) string {
		s, err := Sign(k, typ, c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	session := &SessionClaims{RegisteredClaims: registered(IssuerName, EdgeName, "auth1", "s1", t0, t0.Add(10*time.Minute)), MerchantOrigin: "http://localhost:8080"}
	good := sign(issuer, TypChallenge, challengeClaims(t, seal.Public(), "j1"))

	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, challengeClaims(t, seal.Public(), "j2"))
	hs.Header["typ"] = TypChallenge
	hs.Header["kid"] = issuer.KID
	hsTok, err := hs.SignedString([]byte(issuer.Public().Key))
	if err != nil {
		t.Fatal(err)
	}
	none := forge(map[string]string{"alg": "none", "typ": TypChallenge, "kid": issuer.KID}, challengeClaims(t, seal.Public(), "j3"), nil)

	mod := func(f func(c *ChallengeClaims)) string {
		c := challengeClaims(t, seal.Public(), "j4")
		f(c)
		return sign(issuer, TypChallenge, c)
	}

	// A seal lifted from another token: valid signature, but aad is the jti.
	lifted := challengeClaims(t, seal.Public(), "victim")
	lifted.Seal = challengeClaims(t, seal.Public(), "donor").Seal
	liftedTok := sign(issuer, TypChallenge, lifted)

	tests := []struct {
		name    string
		token   string
		typ     string
		wantErr error
	}{
		{"alg none", none, TypChallenge, ErrInvalid},
		{"HS256 with public key bytes", hsTok, TypChallenge, ErrInvalid},
		{"session token as challenge", sign(issuer, TypSession, session), TypChallenge, ErrInvalid},
		{"challenge token as session", good, TypSession, ErrInvalid},
		{"wrong aud", mod(func(c *ChallengeClaims) { c.Audience = jwt.ClaimStrings{"someone-else"} }), TypChallenge, ErrInvalid},
		{"wrong iss", mod(func(c *ChallengeClaims) { c.Issuer = EdgeName }), TypChallenge, ErrInvalid},
		{"expired", mod(func(c *ChallengeClaims) { c.ExpiresAt = jwt.NewNumericDate(t0) }), TypChallenge, ErrExpired},
		{"no exp", mod(func(c *ChallengeClaims) { c.ExpiresAt = nil }), TypChallenge, ErrInvalid},
		{"not yet valid", mod(func(c *ChallengeClaims) { c.NotBefore = jwt.NewNumericDate(t0.Add(5 * time.Minute)) }), TypChallenge, ErrInvalid},
		{"expired within the clock skew is still valid", mod(func(c *ChallengeClaims) { c.ExpiresAt = jwt.NewNumericDate(t0.Add(30 * time.Second)) }), TypChallenge, nil},
		{"unknown kid", sign(other, TypChallenge, challengeClaims(t, seal.Public(), "j5")), TypChallenge, ErrInvalid},
		{"signed by the edge's key, iss issuer", sign(edge, TypChallenge, challengeClaims(t, seal.Public(), "j6")), TypChallenge, ErrInvalid},
		{"missing jti", mod(func(c *ChallengeClaims) { c.ID = "" }), TypChallenge, ErrInvalid},
		{"missing seal", mod(func(c *ChallengeClaims) { c.Seal = Sealed{} }), TypChallenge, ErrInvalid},
		{"unknown method", mod(func(c *ChallengeClaims) { c.Method = "carrier-pigeon" }), TypChallenge, ErrInvalid},
		{"no method", mod(func(c *ChallengeClaims) { c.Method = "" }), TypChallenge, ErrInvalid},
		{"negative resends_left", mod(func(c *ChallengeClaims) { c.ResendsLeft = -1 }), TypChallenge, ErrInvalid},
		{"garbage", "not.a.token", TypChallenge, ErrInvalid},
		{"tampered payload", tamperPayload(good), TypChallenge, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c ChallengeClaims
			var err error
			if tt.typ == TypSession {
				err = v.Verify(tt.token, tt.typ, &SessionClaims{})
			} else {
				err = v.Verify(tt.token, tt.typ, &c)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify = %v, want %v", err, tt.wantErr)
			}
		})
	}

	t.Run("good token verifies", func(t *testing.T) {
		var c ChallengeClaims
		if err := v.Verify(good, TypChallenge, &c); err != nil {
			t.Fatal(err)
		}
		if c.Txn.Amount != 1250 || c.Gen != 1 || c.Subject != "auth1" {
			t.Fatalf("claims = %+v", c)
		}
		p, err := seal.Open(c.Seal, c.ID)
		if err != nil || p.Codes[0].Code != "123456" || p.PM != "hello" {
			t.Fatalf("open = %+v, %v", p, err)
		}
	})
	t.Run("seal moved from another token", func(t *testing.T) {
		var c ChallengeClaims
		if err := v.Verify(liftedTok, TypChallenge, &c); err != nil {
			t.Fatal(err) // the signature is fine; the seal is what must fail
		}
		if _, err := seal.Open(c.Seal, c.ID); !errors.Is(err, ErrSeal) {
			t.Fatalf("open lifted seal = %v, want ErrSeal", err)
		}
	})
}

func tamperPayload(tok string) string {
	parts := strings.Split(tok, ".")
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	b = []byte(strings.Replace(string(b), `"amount":1250`, `"amount":1`, 1))
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

func TestMaxLifetime(t *testing.T) {
	edge := mustSigningKey(t, EdgeName)
	v := Verifier{Keys: NewKeySet(edge.Public()), Issuer: EdgeName, Audience: IssuerName, MaxLifetime: time.Minute, Now: func() time.Time { return t0 }}
	tests := []struct {
		name string
		c    EdgeClaims
		ok   bool
	}{
		{"60 s", EdgeClaims{registered(EdgeName, IssuerName, "a", "", t0, t0.Add(time.Minute))}, true},
		{"61 s", EdgeClaims{registered(EdgeName, IssuerName, "a", "", t0, t0.Add(61*time.Second))}, false},
		{"no iat", EdgeClaims{jwt.RegisteredClaims{Issuer: EdgeName, Audience: jwt.ClaimStrings{IssuerName}, ExpiresAt: jwt.NewNumericDate(t0.Add(time.Minute))}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := Sign(edge, TypEdge, &tt.c)
			if err != nil {
				t.Fatal(err)
			}
			err = v.Verify(tok, TypEdge, &EdgeClaims{})
			if (err == nil) != tt.ok {
				t.Fatalf("Verify = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestResultStatus(t *testing.T) {
	edge := mustSigningKey(t, EdgeName)
	v := Verifier{Keys: NewKeySet(edge.Public()), Issuer: EdgeName, Audience: "http://localhost:8080", Now: func() time.Time { return t0 }}
	for _, st := range []string{"Y", "N", "U", "A", "C", "R", "X", ""} {
		c := &ResultClaims{RegisteredClaims: registered(EdgeName, "http://localhost:8080", "auth1", "r1", t0, t0.Add(5*time.Minute)), Status: st}
		tok, err := Sign(edge, TypResult, c)
		if err != nil {
			t.Fatal(err)
		}
		err = v.Verify(tok, TypResult, &ResultClaims{})
		if (err == nil) != contract.ValidStatus(st) {
			t.Errorf("status %q: Verify = %v", st, err)
		}
	}
}

func TestSignWithoutKey(t *testing.T) {
	if _, err := Sign(SigningKey{}, TypResult, &ResultClaims{}); err == nil {
		t.Fatal("Sign with no key succeeded")
	}
	if _, err := NewSigningKey(""); err == nil {
		t.Fatal("NewSigningKey without a signer succeeded")
	}
}

// TestStatuses: the six transStatus values, and only they, are valid; all
// but C are final.
func TestStatuses(t *testing.T) {
	for _, tt := range []struct {
		s            string
		valid, final bool
	}{
		{"Y", true, true}, {"N", true, true}, {"U", true, true}, {"A", true, true}, {"R", true, true},
		{"C", true, false},
		{"I", false, false}, {"D", false, false}, {"y", false, false}, {"", false, false}, {"YY", false, false}, {"Y ", false, false},
	} {
		if contract.ValidStatus(tt.s) != tt.valid || contract.FinalStatus(tt.s) != tt.final {
			t.Errorf("%q: valid %v, final %v; want %v, %v", tt.s, contract.ValidStatus(tt.s), contract.FinalStatus(tt.s), tt.valid, tt.final)
		}
	}
}
