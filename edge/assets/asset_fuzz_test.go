package assets

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// FuzzServe serves a file with brotli and gzip variants to any
// Accept-Encoding and If-None-Match. Properties: the answer is one of the
// variants, its body the bytes of that variant with a matching
// Content-Length, ETag and Content-Encoding; an encoding is served only if
// the header names it (x-gzip for gzip) or "*" with a q above 0, never one
// the header refuses with q=0 and names nowhere else; no header means the
// identity; a 304 comes only for an If-None-Match naming the variant's
// ETag, or "*".
func FuzzServe(f *testing.F) {
	for _, s := range [][2]string{
		{"gzip, deflate, br, zstd", ""},
		{"br;q=0, gzip;q=0.5", `"x", W/"y"`},
		{"*;q=0.1, gzip;q=0", "*"},
		{"x-gzip", ""},
		{"identity", ""},
		{"br;q=1.5, gzip;q=NaN", ""},
		{"", ""},
		{"GZIP;Q=0.9;level=1, br;q=0.9", ""},
	} {
		f.Add(s[0], s[1])
	}
	a := newAsset("application/wasm", "public, max-age=31536000, immutable", []byte("identity body"))
	a.add("br", []byte("brotli body"))
	a.add("gzip", []byte("gzip body!"))
	f.Fuzz(func(t *testing.T, acceptEncoding, ifNoneMatch string) {
		r := httptest.NewRequest(http.MethodGet, "/x.wasm", nil)
		r.Header.Set("Accept-Encoding", acceptEncoding)
		r.Header.Set("If-None-Match", ifNoneMatch)
		w := httptest.NewRecorder()
		a.serve(w, r, false)

		enc := w.Header().Get("Content-Encoding")
		v, ok := a.variants[enc]
		if !ok {
			t.Fatalf("served encoding %q, which there is no variant of", enc)
		}
		if enc != "" && !accepts(acceptEncoding, enc) {
			t.Fatalf("served %s to Accept-Encoding %q", enc, acceptEncoding)
		}
		if strings.TrimSpace(acceptEncoding) == "" && enc != "" {
			t.Fatalf("served %s with no Accept-Encoding", enc)
		}
		if w.Header().Get("ETag") != v.etag {
			t.Fatalf("ETag %q for the %q variant", w.Header().Get("ETag"), enc)
		}
		switch w.Code {
		case http.StatusNotModified:
			if !strings.Contains(ifNoneMatch, v.etag) && !strings.Contains(ifNoneMatch, "*") {
				t.Fatalf("304 for If-None-Match %q, ETag %s", ifNoneMatch, v.etag)
			}
		case http.StatusOK:
			if !bytes.Equal(w.Body.Bytes(), v.body) || w.Header().Get("Content-Length") != strconv.Itoa(len(v.body)) {
				t.Fatalf("body %q (Content-Length %s) for the %q variant", w.Body.Bytes(), w.Header().Get("Content-Length"), enc)
			}
		default:
			t.Fatalf("status %d", w.Code)
		}
	})
}

// accepts reports whether header names enc, or "*", in some entry without
// q=0 (or another q that is not a number from 0 to 1; a bare "q" is no q
// parameter): a loose reading that any correct negotiation stays within.
func accepts(header, enc string) bool {
	for _, part := range strings.Split(header, ",") {
		token, params, _ := strings.Cut(part, ";")
		token = strings.ToLower(strings.TrimSpace(token))
		if token != enc && token != "*" && !(enc == "gzip" && token == "x-gzip") {
			continue
		}
		refused := false
		for _, p := range strings.Split(params, ";") {
			k, val, ok := strings.Cut(p, "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				q, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
				refused = err != nil || !(q > 0) || q > 1
			}
		}
		if !refused {
			return true
		}
	}
	return false
}
