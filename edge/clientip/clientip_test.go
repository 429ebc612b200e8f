package clientip

import (
	"net/http/httptest"
	"testing"

	"github.com/honnin/honnin/edge/contract"
)

func TestSignals(t *testing.T) {
	proxies, err := ParseCIDRs("10.0.0.0/8, 127.0.0.1, ::1")
	if err != nil {
		t.Fatal(err)
	}
	trusting := Resolver{Trusted: proxies, IPHeader: "X-Forwarded-For", CountryHeader: "CF-IPCountry"}
	tests := []struct {
		name    string
		r       Resolver
		peer    string
		headers map[string]string
		want    contract.EdgeSignals
	}{
		{"nothing trusted by default: spoofed headers ignored", Resolver{IPHeader: "X-Forwarded-For", CountryHeader: "CF-IPCountry"},
			"10.1.2.3:5000", map[string]string{"X-Forwarded-For": "198.51.100.9", "CF-IPCountry": "US"},
			contract.EdgeSignals{IP: "10.1.2.3"}},
		{"untrusted peer: spoofed headers ignored", trusting,
			"203.0.113.7:5000", map[string]string{"X-Forwarded-For": "198.51.100.9", "CF-IPCountry": "US"},
			contract.EdgeSignals{IP: "203.0.113.7"}},
		{"trusted proxy: client and country from its headers", trusting,
			"10.1.2.3:5000", map[string]string{"X-Forwarded-For": "198.51.100.9", "CF-IPCountry": "us"},
			contract.EdgeSignals{IP: "198.51.100.9", Country: "US"}},
		{"client-written entries left of the proxy's are skipped", trusting,
			"10.1.2.3:5000", map[string]string{"X-Forwarded-For": "1.2.3.4, 198.51.100.9, 10.9.9.9"},
			contract.EdgeSignals{IP: "198.51.100.9"}},
		{"IPv6 loopback proxy", trusting,
			"[::1]:5000", map[string]string{"X-Forwarded-For": "2001:db8::7"},
			contract.EdgeSignals{IP: "2001:db8::7"}},
		{"garbage in the header: the peer", trusting,
			"10.1.2.3:5000", map[string]string{"X-Forwarded-For": "not-an-ip"},
			contract.EdgeSignals{IP: "10.1.2.3"}},
		{"only proxies in the header: the peer", trusting,
			"10.1.2.3:5000", map[string]string{"X-Forwarded-For": "10.4.4.4"},
			contract.EdgeSignals{IP: "10.1.2.3"}},
		{"country that is not a code: dropped", trusting,
			"10.1.2.3:5000", map[string]string{"CF-IPCountry": "Japan"},
			contract.EdgeSignals{IP: "10.1.2.3"}},
		{"Tor and unknown codes kept", trusting,
			"10.1.2.3:5000", map[string]string{"CF-IPCountry": "T1"},
			contract.EdgeSignals{IP: "10.1.2.3", Country: "T1"}},
		{"IPv4-mapped peer is its IPv4", trusting,
			"[::ffff:10.1.2.3]:5000", map[string]string{"CF-IPCountry": "JP"},
			contract.EdgeSignals{IP: "10.1.2.3", Country: "JP"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/v1/start", nil)
			req.RemoteAddr = tt.peer
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			if got := tt.r.Signals(req); got != tt.want {
				t.Errorf("Signals = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseCIDRs(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "localhost", "10.0.0.0/8,,nope"} {
		if _, err := ParseCIDRs(bad); err == nil {
			t.Errorf("ParseCIDRs(%q) accepted", bad)
		}
	}
	p, err := ParseCIDRs("")
	if err != nil || len(p) != 0 {
		t.Errorf("ParseCIDRs(\"\") = %v, %v; want nothing trusted", p, err)
	}
	p, err = ParseCIDRs("10.1.2.3/8")
	if err != nil || p[0].String() != "10.0.0.0/8" {
		t.Errorf("ParseCIDRs masks: %v %v", p, err)
	}
}
