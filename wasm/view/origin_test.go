package view

import (
	"encoding/base64"
	"strings"
	"testing"
)

// jws builds a compact JWS with the given JSON payload and a dummy header
// and signature: TargetOrigin does not check signatures.
func jws(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"EdDSA","typ":"honnin-session+jwt"}`)) + "." + enc([]byte(payload)) + "." + enc([]byte("sig"))
}

// stdAlphabetPayload encodes payload with the standard base64 alphabet
// ('+' and '/'), which JWTs do not use.
func stdAlphabetPayload(t *testing.T, payload string) string {
	enc := base64.RawStdEncoding.EncodeToString([]byte(payload))
	if !strings.ContainsAny(enc, "+/") {
		t.Fatalf("test payload %q encodes without '+' or '/': %s", payload, enc)
	}
	return enc
}

func TestTargetOrigin(t *testing.T) {
	const shop = "http://localhost:8080"
	tests := []struct {
		name     string
		token    string
		response string
		want     string // "" means an error is expected
	}{
		{"match", jws(`{"sub":"a1","mo":"http://localhost:8080"}`), shop, shop},
		{"https with port", jws(`{"mo":"https://shop.example.jp:8443"}`), "https://shop.example.jp:8443", "https://shop.example.jp:8443"},
		{"ipv4", jws(`{"mo":"http://127.0.0.1:8080"}`), "http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"ipv6", jws(`{"mo":"http://[::1]:8080"}`), "http://[::1]:8080", "http://[::1]:8080"},
		{"punycode", jws(`{"mo":"https://xn--eckwd4c7c.jp"}`), "https://xn--eckwd4c7c.jp", "https://xn--eckwd4c7c.jp"},

		// The two sources disagree.
		{"response differs", jws(`{"mo":"http://localhost:8080"}`), "https://evil.example", ""},
		{"scheme differs", jws(`{"mo":"http://localhost:8080"}`), "https://localhost:8080", ""},
		{"port differs", jws(`{"mo":"http://localhost:8080"}`), "http://localhost:8081", ""},
		{"empty response origin", jws(`{"mo":"http://localhost:8080"}`), "", ""},
		{"trailing slash in response", jws(`{"mo":"http://localhost:8080"}`), shop + "/", ""},

		// Both agree, but on something that is not an origin (the full
		// rule is tested in edge/origin).
		{"wildcard", jws(`{"mo":"*"}`), "*", ""},
		{"null", jws(`{"mo":"null"}`), "null", ""},
		{"empty", jws(`{"mo":""}`), "", ""},
		{"path", jws(`{"mo":"http://localhost:8080/pay"}`), "http://localhost:8080/pay", ""},
		{"userinfo", jws(`{"mo":"http://shop.example@evil.example"}`), "http://shop.example@evil.example", ""},
		{"javascript", jws(`{"mo":"javascript:alert(1)"}`), "javascript:alert(1)", ""},
		{"upper case host", jws(`{"mo":"http://Shop.example"}`), "http://Shop.example", ""},

		// Broken tokens.
		{"no mo", jws(`{"sub":"a1"}`), "", ""},
		{"mo null", jws(`{"mo":null}`), "", ""},
		{"mo number", jws(`{"mo":8080}`), "8080", ""},
		{"mo array", jws(`{"mo":["http://localhost:8080"]}`), shop, ""},
		{"payload not json", jws(`not json`), shop, ""},
		{"payload json array", jws(`["http://localhost:8080"]`), shop, ""},
		{"two parts", strings.Join(strings.Split(jws(`{"mo":"http://localhost:8080"}`), ".")[:2], "."), shop, ""},
		{"four parts", jws(`{"mo":"http://localhost:8080"}`) + ".x", shop, ""},
		{"empty payload", "eyJhbGciOiJFZERTQSJ9..c2ln", shop, ""},
		{"empty token", "", shop, ""},
		{"padded payload", "h." + base64.URLEncoding.EncodeToString([]byte(`{"mo":"http://localhost:8080"}`)) + "=.s", shop, ""},
		{"std base64 alphabet", "h." + stdAlphabetPayload(t, `{"mo":"http://localhost:8080","x":"???>>>"}`) + ".s", shop, ""},
		{"huge token", jws(`{"mo":"http://localhost:8080","x":"` + strings.Repeat("x", 9000) + `"}`), shop, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TargetOrigin(tt.token, tt.response)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("TargetOrigin = %q, want an error", got)
				}
				if got != "" {
					t.Fatalf("TargetOrigin returned %q with error %v", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("TargetOrigin = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// A token whose mo claim appears twice must not let the first value (which
// a signature-checking parser might see differently) slip through: the
// decoded value is still compared with the edge's answer.
func TestTargetOriginDuplicateClaim(t *testing.T) {
	tok := jws(`{"mo":"http://localhost:8080","mo":"https://evil.example"}`)
	if got, err := TargetOrigin(tok, "http://localhost:8080"); err == nil {
		t.Fatalf("TargetOrigin = %q, want an error: encoding/json keeps the last duplicate", got)
	}
}
