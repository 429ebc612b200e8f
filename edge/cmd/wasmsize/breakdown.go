package main

import (
	"bytes"
	"compress/gzip"
	"sort"
	"strings"
)

type pkgSize struct {
	name      string
	raw, gzip int
}

type report struct {
	packages          []pkgSize // largest gzip first
	dataRaw, dataGzip int
	fileGzip          int
	totalGzip         int // the parts' sum, the shares' base
}

// breakdown groups the function bodies by Go package and compresses each
// group (and the data section) on its own.
func breakdown(m *module) report {
	code := map[string][][]byte{}
	for i, body := range m.bodies {
		p := pkgOf(m.names[uint32(m.imports+i)])
		code[p] = append(code[p], body)
	}
	var r report
	for p, bodies := range code {
		all := bytes.Join(bodies, nil)
		r.packages = append(r.packages, pkgSize{name: p, raw: len(all), gzip: gzipLen(all)})
	}
	sort.Slice(r.packages, func(i, j int) bool {
		a, b := r.packages[i], r.packages[j]
		return a.gzip > b.gzip || a.gzip == b.gzip && a.name < b.name
	})
	r.dataRaw, r.dataGzip = len(m.data), gzipLen(m.data)
	r.totalGzip = r.dataGzip
	for _, p := range r.packages {
		r.totalGzip += p.gzip
	}
	return r
}

// pkgOf is the Go package of a wasm function name. Go writes a symbol's
// package path with '/' as '_' ("crypto_internal_fips140_mlkem.ntt",
// "github.com_honnin_honnin_edge_api.__Handler_.verify"): the package ends
// at the first '.' after the host name's own dots. Names that are not Go
// symbols (wasm helpers such as "wasm_pc_f_loop") count as the runtime.
func pkgOf(name string) string {
	if name == "" {
		return "(unnamed)"
	}
	rest := name
	for _, host := range []string{"github.com_", "golang.org_", "honnef.co_", "modernc.org_", "google.golang.org_"} {
		if strings.HasPrefix(name, host) {
			rest = name[len(host):]
			break
		}
	}
	dot := strings.IndexByte(rest, '.')
	if dot < 0 {
		return "runtime"
	}
	p := name[:len(name)-len(rest)+dot]
	if strings.HasPrefix(p, "vendor_") {
		return "vendor (golang.org/x in the standard library)"
	}
	return strings.ReplaceAll(p, "_", "/")
}

func gzipLen(b []byte) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Len()
}
