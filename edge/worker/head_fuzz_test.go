package worker

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// FuzzHead parses request heads as the glue builds them, and writes
// response headers as the glue reads them. Properties: parseHead never
// panics; a head it accepts has a method, a URL and the ASN its line says (0
// for none), and header values without a newline; the header it read, written
// back by formatHeader, parses to the same header (less names that are not
// field names, with CR as a space). And whatever header a handler sets,
// formatHeader's output parses: a bad name or value never breaks the line
// format.
func FuzzHead(f *testing.F) {
	f.Add("POST\nhttps://edge.example/v1/verify?x=1\n203.0.113.7\nJP\n2516\nNRT\nTLSv1.3\ncontent-type: application/json\naccept: */*\n", "X-Bad", "a\r\nb")
	f.Add("GET\n/\n\n\n\n\n\n", "Bad Name", "1")
	f.Add("GET\n/\n\n\n-1\n\n\nx: \nx: y: z\n", "", "")
	f.Add("GET\n/\n\n\n99999999999999999999\n\n\n", "Set-Cookie", "a=1")
	f.Add("GET\n/\n\n\n\n\n\nno-colon\n", "k", "\n")
	f.Add("GET\n/\n\n\n\n\n\nunterminated: x", "K", "v\rv")
	f.Fuzz(func(t *testing.T, s, name, value string) {
		h, err := parseHead(s)
		if err == nil {
			if h.method == "" || h.url == "" {
				t.Fatalf("accepted a head without method or URL: %q", s)
			}
			if n, perr := strconv.ParseInt(strings.Split(s, "\n")[4], 10, 64); perr == nil && n != h.conn.ASN || perr != nil && h.conn.ASN != 0 {
				t.Fatalf("ASN read as %d from %q", h.conn.ASN, s)
			}
			want := http.Header{}
			for k, vs := range h.header {
				for _, v := range vs {
					if strings.ContainsAny(v, "\n") {
						t.Fatalf("header value with a newline: %q", v)
					}
					if validName(k) {
						want.Add(k, strings.ReplaceAll(v, "\r", " "))
					}
				}
			}
			back := reparse(t, h.header)
			if !reflect.DeepEqual(back, want) {
				t.Fatalf("header written back and read again:\n got %q\nwant %q", back, want)
			}
		}

		// A handler's header, any name and value.
		set := http.Header{name: {value, value + "2"}, "Content-Type": {"text/plain"}}
		back := reparse(t, set)
		want := http.Header{"Content-Type": {"text/plain"}}
		if validName(name) {
			v := strings.NewReplacer("\n", " ", "\r", " ").Replace(value)
			want[http.CanonicalHeaderKey(name)] = append(want[http.CanonicalHeaderKey(name)], v, v+"2")
		}
		if !reflect.DeepEqual(back, want) {
			t.Fatalf("handler header %q came back as %q, want %q", set, back, want)
		}
	})
}

// reparse writes h as a response head and reads it back as a request head.
func reparse(t *testing.T, h http.Header) http.Header {
	t.Helper()
	out := formatHeader(h)
	got, err := parseHead("GET\n/\n\n\n\n\n\n" + out)
	if err != nil {
		t.Fatalf("formatHeader wrote what parseHead refuses: %v\n%q", err, out)
	}
	return got.header
}
