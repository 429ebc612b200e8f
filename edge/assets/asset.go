package assets

import (
	"net/http"
	"strconv"
	"strings"
)

// encodings are the precompressed forms build-client.sh writes, best first.
var encodings = []struct{ name, suffix string }{
	{"br", ".br"},
	{"gzip", ".gz"},
}

// asset is one file held in memory with its precompressed variants.
type asset struct {
	ctype    string
	cache    string
	variants map[string]variant // by Content-Encoding; "" is identity
}

type variant struct {
	body []byte
	etag string
}

func newAsset(ctype, cache string, body []byte) *asset {
	a := &asset{ctype: ctype, cache: cache, variants: map[string]variant{}}
	a.add("", body)
	return a
}

func (a *asset) add(encoding string, body []byte) {
	a.variants[encoding] = variant{body: body, etag: `"` + hash12(body) + `"`}
}

// serve writes the asset in the encoding the client accepts best. It does
// not use http.ServeContent, which leaves out Content-Length whenever
// Content-Encoding is set (browsers then show no download progress for
// the wasm) and serves ranges, which nothing here needs.
func (a *asset) serve(w http.ResponseWriter, r *http.Request, crossOrigin bool) {
	enc := ""
	if len(a.variants) > 1 {
		enc = negotiate(r.Header.Get("Accept-Encoding"), a.variants)
	}
	v := a.variants[enc]
	hdr := w.Header()
	hdr.Set("Content-Type", a.ctype)
	hdr.Set("Cache-Control", a.cache)
	hdr.Set("ETag", v.etag)
	hdr.Set("X-Content-Type-Options", "nosniff")
	if crossOrigin {
		// The snippet is loaded by merchant pages with a <script> tag.
		hdr.Set("Cross-Origin-Resource-Policy", "cross-origin")
	} else {
		hdr.Set("Cross-Origin-Resource-Policy", "same-origin")
	}
	if len(a.variants) > 1 {
		hdr.Add("Vary", "Accept-Encoding")
	}
	if enc != "" {
		hdr.Set("Content-Encoding", enc)
	}
	if etagMatch(r.Header.Get("If-None-Match"), v.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Length", strconv.Itoa(len(v.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(v.body)
	}
}

// etagMatch reports whether an If-None-Match header names etag (weak
// comparison, as RFC 9110 asks for If-None-Match) or is "*".
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// negotiate picks a Content-Encoding from an Accept-Encoding header among
// the variants present: the highest q wins, brotli on a tie (it is the
// smaller), identity ("") when nothing else is acceptable. "q=0" refuses an
// encoding, "*" covers the ones not named, and an unreadable q counts as 0.
func negotiate(header string, have map[string]variant) string {
	q := map[string]float64{}
	star := -1.0
	for _, part := range strings.Split(header, ",") {
		token, params, _ := strings.Cut(part, ";")
		token = strings.ToLower(strings.TrimSpace(token))
		if token == "" {
			continue
		}
		weight := 1.0
		for _, p := range strings.Split(params, ";") {
			k, val, ok := strings.Cut(p, "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
				continue
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			if err != nil || f < 0 || f > 1 {
				f = 0
			}
			weight = f
		}
		switch token {
		case "*":
			star = weight
		case "x-gzip":
			token = "gzip"
			fallthrough
		default:
			if old, ok := q[token]; !ok || weight > old {
				q[token] = weight
			}
		}
	}
	best, bestQ := "", 0.0
	for _, enc := range encodings {
		if _, ok := have[enc.name]; !ok {
			continue
		}
		w, named := q[enc.name]
		if !named {
			w = max(star, 0)
		}
		if w > bestQ {
			best, bestQ = enc.name, w
		}
	}
	return best
}
