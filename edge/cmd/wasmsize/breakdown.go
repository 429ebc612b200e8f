package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os/exec"
	"sort"
	"strings"
)

type pkgSize struct {
	name        string
	raw, packed int
}

type report struct {
	packages            []pkgSize // largest packed first
	dataRaw, dataPacked int
	filePacked          int
	totalPacked         int // the parts' sum, the shares' base
}

// compressor is the compressed size of b: gzip -9 (gzipLen), the worker's
// upload, or brotli -q 11 (brotliLen), what the edge serves the client as.
type compressor func(b []byte) (int, error)

// breakdown groups the function bodies by Go package and compresses each
// group (and the data section) on its own with pack.
func breakdown(m *module, pack compressor) (report, error) {
	code := map[string][][]byte{}
	for i, body := range m.bodies {
		p := pkgOf(m.names[uint32(m.imports+i)])
		code[p] = append(code[p], body)
	}
	var r report
	for p, bodies := range code {
		all := bytes.Join(bodies, nil)
		n, err := pack(all)
		if err != nil {
			return report{}, fmt.Errorf("%s: %w", p, err)
		}
		r.packages = append(r.packages, pkgSize{name: p, raw: len(all), packed: n})
	}
	sort.Slice(r.packages, func(i, j int) bool {
		a, b := r.packages[i], r.packages[j]
		return a.packed > b.packed || a.packed == b.packed && a.name < b.name
	})
	n, err := pack(m.data)
	if err != nil {
		return report{}, fmt.Errorf("data section: %w", err)
	}
	r.dataRaw, r.dataPacked = len(m.data), n
	r.totalPacked = r.dataPacked
	for _, p := range r.packages {
		r.totalPacked += p.packed
	}
	return r, nil
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

func gzipLen(b []byte) (int, error) {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	if err := w.Close(); err != nil {
		return 0, err
	}
	return buf.Len(), nil
}

// brotliLen runs the brotli command (make deps installs it; the client's
// build uses it too), so the figures are the served file's: the standard
// library has no brotli.
func brotliLen(b []byte) (int, error) {
	cmd := exec.Command("brotli", "-q", "11", "-c")
	cmd.Stdin = bytes.NewReader(b)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("brotli: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return len(out), nil
}
