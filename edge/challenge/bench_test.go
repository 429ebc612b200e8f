package challenge

import (
	"testing"
	"time"
)

func BenchmarkMintChallenge(b *testing.B) {
	k := mustSigningKey(b, IssuerName)
	seal := mustSealKey(b, KEMXWing)
	for b.Loop() {
		if _, err := Sign(k, TypChallenge, challengeClaims(b, seal.Public(), "j")); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyChallenge(b *testing.B) {
	k := mustSigningKey(b, IssuerName)
	seal := mustSealKey(b, KEMXWing)
	tok, err := Sign(k, TypChallenge, challengeClaims(b, seal.Public(), "j"))
	if err != nil {
		b.Fatal(err)
	}
	v := Verifier{Keys: NewKeySet(k.Public()), Issuer: IssuerName, Audience: EdgeName, Now: func() time.Time { return t0 }}
	b.ReportMetric(float64(len(tok)), "token-bytes")
	for b.Loop() {
		var c ChallengeClaims
		if err := v.Verify(tok, TypChallenge, &c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSealOpen(b *testing.B) {
	for _, k := range []KEM{KEMXWing, KEMX25519} {
		b.Run(string(k), func(b *testing.B) {
			key := mustSealKey(b, k)
			p := Payload{PM: "hello", Codes: []Code{{Cred: "email", Code: "123456"}}, MaxAttempts: 5, Period: 600}
			for b.Loop() {
				s, err := key.Public().Seal("j", p)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := key.Open(s, "j"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOpen is the edge's half of a seal: what every verify pays.
func BenchmarkOpen(b *testing.B) {
	for _, k := range []KEM{KEMXWing, KEMX25519} {
		b.Run(string(k), func(b *testing.B) {
			key := mustSealKey(b, k)
			p := Payload{PM: "hello", Codes: []Code{{Cred: "email", Code: "123456"}}, MaxAttempts: 5, Period: 600}
			s, err := key.Public().Seal("j", p)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := key.Open(s, "j"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSignEdge is the edge's signature of a call token or a result
// token.
func BenchmarkSignEdge(b *testing.B) {
	k := mustSigningKey(b, EdgeName)
	c := &EdgeClaims{}
	c.Subject = "results"
	for b.Loop() {
		if _, err := Sign(k, TypEdge, c); err != nil {
			b.Fatal(err)
		}
	}
}
