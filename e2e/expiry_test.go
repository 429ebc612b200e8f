package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
)

// TestExpiredTokensRefused mints tokens that expired a minute ago with the
// stack's own issuer key and offers them to the running edge.
func TestExpiredTokensRefused(t *testing.T) {
	needStack(t)
	keys, err := challenge.LoadIssuerKeys(filepath.Join(stateDir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	reg := func(jti string) jwt.RegisteredClaims {
		return jwt.RegisteredClaims{
			Issuer: challenge.IssuerName, Audience: jwt.ClaimStrings{challenge.EdgeName},
			Subject: "expired-auth", ID: jti,
			IssuedAt:  jwt.NewNumericDate(now.Add(-11 * time.Minute)),
			ExpiresAt: jwt.NewNumericDate(now.Add(-time.Minute)),
		}
	}
	session, err := challenge.Sign(keys.Sign, challenge.TypSession, &challenge.SessionClaims{RegisteredClaims: reg("s"), MerchantOrigin: sys.ShopURL})
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := keys.EdgeSeal.Seal("c", challenge.Payload{Codes: []challenge.Code{{Cred: "email", Code: "123456"}}, MaxAttempts: 5, Period: 600})
	if err != nil {
		t.Fatal(err)
	}
	chal, err := challenge.Sign(keys.Sign, challenge.TypChallenge, &challenge.ChallengeClaims{
		RegisteredClaims: reg("c"), Gen: 1, Method: "email", MerchantOrigin: sys.ShopURL, Seal: sealed,
		Txn: challenge.Txn{Merchant: "Demo Shop", Amount: 1250, Currency: "JPY", Date: now, Last4: "0000"},
	})
	if err != nil {
		t.Fatal(err)
	}

	post := func(path string, body any) (int, string) {
		b, _ := json.Marshal(body)
		resp, err := http.Post(sys.EdgeURL+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e struct{ Error string }
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Error
	}
	tests := []struct {
		name    string
		status  int
		errCode string
		doIt    func() (int, string)
	}{
		{"verify with an expired challenge token", http.StatusGone, "expired", func() (int, string) {
			return post("/v1/verify", map[string]string{"challenge_token": chal, "code": "123456"})
		}},
		{"start with an expired session token", http.StatusGone, "expired", func() (int, string) {
			return post("/v1/start", map[string]any{"session_token": session, "device": map[string]any{}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, code := tt.doIt()
			if st != tt.status || code != tt.errCode {
				t.Fatalf("got %d %q, want %d %q", st, code, tt.status, tt.errCode)
			}
		})
	}

	t.Run("challenge page with an expired session token", func(t *testing.T) {
		resp, err := http.Get(sys.EdgeURL + "/challenge?st=" + url.QueryEscape(session))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("challenge page status %d, want 401", resp.StatusCode)
		}
	})
}
