package main

import (
	"flag"
	"io"
	"testing"
)

func TestPortalSecureCookies(t *testing.T) {
	tests := []struct {
		flag, addr string
		want, err  bool
	}{
		{"auto", "127.0.0.1:8081", false, false},
		{"auto", "[::1]:8081", false, false},
		{"auto", "localhost:8081", false, false},
		{"auto", "0.0.0.0:8081", true, false},
		{"auto", "issuer.example:443", true, false},
		{"true", "127.0.0.1:8081", true, false},
		{"false", "0.0.0.0:8081", false, false},
		{"yes", "127.0.0.1:8081", false, true},
		{"auto", "no-port", false, true},
	}
	for _, tt := range tests {
		f := &flags{FlagSet: flag.NewFlagSet("serve", flag.ContinueOnError), stdout: io.Discard}
		p := addPortalFlags(f)
		if err := f.Parse([]string{"-portal-secure-cookies", tt.flag}); err != nil {
			t.Fatal(err)
		}
		got, err := p.secureCookies(tt.addr)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("-portal-secure-cookies %s on %s = %v, %v", tt.flag, tt.addr, got, err)
		}
	}
}
