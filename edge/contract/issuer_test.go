package contract

import (
	"strings"
	"testing"
)

func TestIssuerValid(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   Issuer
		want bool
	}{
		{"zero", Issuer{}, true},
		{"full", Issuer{Name: "ホンニンカード", Phone: "0120-123-456", Portal: "https://card.example/portal/"}, true},
		{"http portal", Issuer{Portal: "http://127.0.0.1:8081/portal/"}, true},
		{"name too long", Issuer{Name: strings.Repeat("カ", IssuerNameMaxRunes+1)}, false},
		{"newline in name", Issuer{Name: "Bank\nCall 000"}, false},
		{"padded phone", Issuer{Phone: " 0120 "}, false},
		{"phone too long", Issuer{Phone: "012345678901234567890123456789012"}, false},
		{"javascript portal", Issuer{Portal: "javascript:alert(1)"}, false},
		{"relative portal", Issuer{Portal: "/portal/"}, false},
		{"no host", Issuer{Portal: "https:///portal"}, false},
		{"user in portal", Issuer{Portal: "https://bank.example@evil.example/"}, false},
		{"space in portal", Issuer{Portal: "https://card.example/a b"}, false},
	} {
		if got := tt.in.Valid(); got != tt.want {
			t.Errorf("%s: Valid(%+v) = %v, want %v", tt.name, tt.in, got, tt.want)
		}
	}
}
