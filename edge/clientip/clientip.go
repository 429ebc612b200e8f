// Package clientip says who the edge's client is when the edge runs behind
// a proxy or load balancer: the client's IP address and, when the proxy
// geolocates, its country. Headers are believed only from peers the
// operator named as trusted proxies; by default nothing is trusted and the
// connection's peer is the client, since anyone can send X-Forwarded-For.
package clientip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/honnin/honnin/edge/contract"
)

// Resolver turns a request into the edge's signals. The zero value trusts
// nothing.
type Resolver struct {
	// Trusted are the proxies whose headers are believed.
	Trusted []netip.Prefix
	// IPHeader names the header a trusted proxy puts the client's address
	// in (X-Forwarded-For, X-Real-IP, CF-Connecting-IP); "" for none.
	IPHeader string
	// CountryHeader names the header a trusted proxy puts the client's
	// country in (CF-IPCountry, CloudFront-Viewer-Country); "" for none.
	CountryHeader string
}

// ParseCIDRs parses a comma-separated list of CIDRs (a bare address is a
// single host). An empty list trusts nothing.
func ParseCIDRs(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("clientip: %q is not an address or CIDR", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("clientip: %q is not a CIDR: %w", f, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Signals returns the client's IP and country as far as the edge may
// believe them.
func (r *Resolver) Signals(req *http.Request) contract.EdgeSignals {
	peer := peerAddr(req.RemoteAddr)
	s := contract.EdgeSignals{IP: req.RemoteAddr}
	if peer.IsValid() {
		s.IP = peer.String()
	}
	if !r.trusted(peer) {
		return s
	}
	if r.IPHeader != "" {
		if ip, ok := r.fromHeader(req.Header.Values(r.IPHeader)); ok {
			s.IP = ip.String()
		}
	}
	if r.CountryHeader != "" {
		if c := strings.ToUpper(strings.TrimSpace(req.Header.Get(r.CountryHeader))); validCountry(c) {
			s.Country = c
		}
	}
	return s
}

// fromHeader reads an address list (X-Forwarded-For style, each proxy
// appending its peer) from the right: the first address that is not a
// trusted proxy is the client. Anything left of it could have been written
// by the client itself. Zones are dropped, as in peerAddr.
func (r *Resolver) fromHeader(values []string) (netip.Addr, bool) {
	var list []string
	for _, v := range values {
		list = append(list, strings.Split(v, ",")...)
	}
	for i := len(list) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(list[i]))
		if err != nil {
			return netip.Addr{}, false
		}
		a = a.Unmap().WithZone("")
		if !r.trusted(a) {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func (r *Resolver) trusted(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range r.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	// A zone (fe80::1%eth0) says which of the edge's links an address is
	// on, nothing about the client; and it has no length limit, while the
	// issuer refuses an ip over 64 bytes.
	return a.Unmap().WithZone("")
}

// validCountry accepts ISO 3166-1 alpha-2 and the CDNs' two-character
// codes for unknown (XX) and Tor (T1).
func validCountry(c string) bool {
	if len(c) != 2 {
		return false
	}
	for _, ch := range c {
		if (ch < 'A' || ch > 'Z') && (ch < '0' || ch > '9') {
			return false
		}
	}
	return true
}
