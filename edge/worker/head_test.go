package worker

import (
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestParseHead(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    head
		wantErr string
	}{
		{
			name: "browser request with cf",
			in: "POST\nhttps://edge.example/v1/verify?x=1\n203.0.113.7\nJP\n2516\nNRT\nTLSv1.3\n" +
				"content-type: application/json\naccept: */*\nx-dup: a, b\nx-colon: a: b\nx-empty: \n",
			want: head{
				method: "POST",
				url:    "https://edge.example/v1/verify?x=1",
				conn:   Conn{IP: "203.0.113.7", Country: "JP", ASN: 2516, Colo: "NRT", TLSVersion: "TLSv1.3"},
				header: http.Header{
					"Content-Type": {"application/json"},
					"Accept":       {"*/*"},
					"X-Dup":        {"a, b"},
					"X-Colon":      {"a: b"},
					"X-Empty":      {""},
				},
			},
		},
		{
			name: "no cf, no headers",
			in:   "GET\nhttp://127.0.0.1:8787/healthz\n\n\n\n\n\n",
			want: head{method: "GET", url: "http://127.0.0.1:8787/healthz", header: http.Header{}},
		},
		{name: "empty", in: "", wantErr: "0 lines"},
		{name: "short", in: "GET\nhttp://x/\n1.2.3.4\n", wantErr: "3 lines"},
		{name: "no method", in: "\nhttp://x/\n\n\n\n\n\n", wantErr: "no method"},
		{name: "bad ASN", in: "GET\nhttp://x/\n\n\nAS1\n\n\n", wantErr: "ASN"},
		{name: "header without colon", in: "GET\nhttp://x/\n\n\n\n\n\naccept */*\n", wantErr: "bad header line"},
		{name: "header without name", in: "GET\nhttp://x/\n\n\n\n\n\n: v\n", wantErr: "bad header line"},
		{name: "unterminated header", in: "GET\nhttp://x/\n\n\n\n\n\naccept: */*", wantErr: "unterminated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseHead(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseHead: err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseHead: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseHead:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestFormatHeader(t *testing.T) {
	tests := []struct {
		name string
		in   http.Header
		want []string // lines, in any order
	}{
		{
			name: "values and repeats",
			in: http.Header{
				"Content-Type": {"application/json"},
				"Set-Cookie":   {"a=1", "b=2"},
				"X-Colon":      {"a: b"},
			},
			want: []string{"content-type: application/json", "set-cookie: a=1", "set-cookie: b=2", "x-colon: a: b"},
		},
		{
			name: "newlines in a value become spaces",
			in:   http.Header{"X-Bad": {"a\r\nb"}},
			want: []string{"x-bad: a  b"},
		},
		{
			name: "invalid names are left out",
			in:   http.Header{"Bad Name": {"1"}, "Bad\nName": {"2"}, "": {"3"}, "Ok": {"4"}},
			want: []string{"ok: 4"},
		},
		{name: "none", in: http.Header{}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := formatHeader(tt.in)
			if s != "" && !strings.HasSuffix(s, "\n") {
				t.Fatalf("formatHeader = %q, want newline-terminated lines", s)
			}
			var got []string
			if s != "" {
				got = strings.Split(strings.TrimSuffix(s, "\n"), "\n")
			}
			sort.Strings(got)
			sort.Strings(tt.want)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("formatHeader lines = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestHeadRoundTrip: what formatHeader writes, the request-head parser
// reads back as the same header (the glue's parseHeaders reads the same
// line format).
func TestHeadRoundTrip(t *testing.T) {
	in := http.Header{"Content-Type": {"text/html; charset=utf-8"}, "Set-Cookie": {"a=1", "b=2"}, "Cache-Control": {"no-store"}}
	got, err := parseHead("GET\nhttp://x/\n\n\n\n\n\n" + formatHeader(in))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.header, in) {
		t.Errorf("round trip: got %v, want %v", got.header, in)
	}
}
