package clientip

import (
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// FuzzSignals resolves the client of a request with fuzzed trusted
// proxies, peer address, forwarding header and country header.
// Properties: a CIDR list that parses writes back to one that parses the
// same; an untrusted peer's headers change nothing (its own address, no
// country); the client's address is the peer or an address of the header
// that is not a trusted proxy; a country is two capitals or digits; and
// the signals pass the issuer's own EdgeSignals.Validate, so the edge never
// forwards what the issuer refuses.
func FuzzSignals(f *testing.F) {
	f.Add("10.0.0.0/8, 127.0.0.1, ::1", "10.1.2.3:5000", "1.2.3.4, 198.51.100.9, 10.9.9.9", "jp")
	f.Add("10.0.0.0/8", "203.0.113.7:5000", "198.51.100.9", "US")
	f.Add("::1", "[::1]:5000", "2001:db8::7", "T1")
	f.Add("::/0, 0.0.0.0/0", "[::ffff:10.1.2.3]:5000", "fe80::1%eth0", " xx ")
	f.Add("", "garbage", "not-an-ip", "Japan")
	f.Add("10.0.0.1/33", "10.1.2.3", ",", "")
	f.Fuzz(func(t *testing.T, cidrs, peer, xff, country string) {
		trusted, err := ParseCIDRs(cidrs)
		if err != nil {
			return
		}
		var written []string
		for _, p := range trusted {
			written = append(written, p.String())
		}
		if again, err := ParseCIDRs(strings.Join(written, ",")); err != nil || !slices.Equal(again, trusted) {
			t.Fatalf("CIDRs %v written back parse as %v, %v", trusted, again, err)
		}

		r := Resolver{Trusted: trusted, IPHeader: "X-Forwarded-For", CountryHeader: "CF-IPCountry"}
		req := httptest.NewRequest("POST", "/v1/start", nil)
		req.RemoteAddr = peer
		req.Header.Set("X-Forwarded-For", xff)
		req.Header.Set("CF-IPCountry", country)
		s := r.Signals(req)

		p := peerAddr(peer)
		own := peer
		if p.IsValid() {
			own = p.String()
		}
		if !r.trusted(p) {
			if s.IP != own || s.Country != "" {
				t.Fatalf("untrusted peer %q: headers changed the signals to %+v", peer, s)
			}
		} else if s.IP != own {
			a, err := netip.ParseAddr(s.IP)
			if err != nil || r.trusted(a) || !inHeader(xff, a) {
				t.Fatalf("client %q is neither the peer %q nor an untrusted address of %q", s.IP, peer, xff)
			}
		}
		if c := s.Country; c != "" && (len(c) != 2 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "") {
			t.Fatalf("country %q", c)
		}
		if p.IsValid() {
			if err := s.Validate(); err != nil {
				t.Fatalf("signals %+v for peer %q, header %q: the issuer refuses them: %v", s, peer, xff, err)
			}
		}
	})
}

func inHeader(xff string, a netip.Addr) bool {
	for _, v := range strings.Split(xff, ",") {
		if b, err := netip.ParseAddr(strings.TrimSpace(v)); err == nil && b.Unmap().WithZone("") == a {
			return true
		}
	}
	return false
}
