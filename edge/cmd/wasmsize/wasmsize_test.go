package main

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/testenv"
)

func TestPkgOf(t *testing.T) {
	tests := []struct{ name, want string }{
		{"crypto_internal_fips140_mlkem.ntt", "crypto/internal/fips140/mlkem"},
		{"github.com_honnin_honnin_edge_api.__Handler_.verify", "github.com/honnin/honnin/edge/api"},
		{"golang.org_x_crypto_chacha20.New", "golang.org/x/crypto/chacha20"},
		{"encoding_json.appendString_go.shape.string_", "encoding/json"},
		{"vendor_golang.org_x_net_idna.ToASCII", "vendor (golang.org/x in the standard library)"},
		{"runtime.mallocgc", "runtime"},
		{"wasm_pc_f_loop", "runtime"},
		{"", "(unnamed)"},
	}
	for _, tt := range tests {
		if got := pkgOf(tt.name); got != tt.want {
			t.Errorf("pkgOf(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// wasmModule builds a module with one imported function, the given bodies
// (their functions named by names), and a data section.
func wasmModule(bodies [][]byte, names []string, data []byte) []byte {
	section := func(id byte, content []byte) []byte {
		return append(append([]byte{id}, uleb(len(content))...), content...)
	}
	str := func(s string) []byte { return append(uleb(len(s)), s...) }
	var imp []byte
	imp = append(imp, uleb(3)...)
	imp = append(append(append(imp, str("go")...), str("f")...), 0, 0)         // function, type 0
	imp = append(append(append(imp, str("go")...), str("mem")...), 2, 1, 1, 2) // memory, limits min 1 max 2
	imp = append(append(append(imp, str("go")...), str("g")...), 3, 0x7f, 0)   // global i32 const
	code := uleb(len(bodies))
	for _, b := range bodies {
		code = append(append(code, uleb(len(b))...), b...)
	}
	var fn []byte
	fn = append(fn, uleb(len(names))...)
	for i, n := range names {
		fn = append(append(fn, uleb(1+i)...), str(n)...) // index after the import
	}
	nameSec := append(str("name"), append([]byte{0}, str("module")...)...) // subsection 0 (module name): skipped
	nameSec = append(append(append(nameSec, 1), uleb(len(fn))...), fn...)
	var b []byte
	b = append(b, magic...)
	b = append(b, section(2, imp)...)
	b = append(b, section(10, code)...)
	b = append(b, section(11, data)...)
	b = append(b, section(0, nameSec)...)
	return b
}

func uleb(n int) []byte {
	var b []byte
	for {
		c := byte(n & 0x7f)
		n >>= 7
		if n != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func TestParseAndBreakdown(t *testing.T) {
	big := bytes.Repeat([]byte("abcdefgh"), 40) // 320 bytes: a body whose length takes two LEB128 bytes
	bodies := [][]byte{big, {1, 2, 3}, {4, 5}}
	names := []string{"encoding_json.Marshal", "encoding_json.Unmarshal", "runtime.mallocgc"}
	m, err := parse(wasmModule(bodies, names, []byte("rodata")))
	if err != nil {
		t.Fatal(err)
	}
	if m.imports != 1 {
		t.Errorf("imports = %d, want 1 (memory and global imports are not functions)", m.imports)
	}
	if !reflect.DeepEqual(m.bodies, bodies) {
		t.Errorf("bodies = %v", m.bodies)
	}
	if want := map[uint32]string{1: names[0], 2: names[1], 3: names[2]}; !reflect.DeepEqual(m.names, want) {
		t.Errorf("names = %v, want %v", m.names, want)
	}
	if string(m.data) != "rodata" {
		t.Errorf("data = %q", m.data)
	}
	r, err := breakdown(m, gzipLen)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	raw := map[string]int{}
	for _, p := range r.packages {
		got = append(got, p.name)
		raw[p.name] = p.raw
	}
	if len(got) != 2 || got[0] != "encoding/json" || raw["encoding/json"] != 323 || raw["runtime"] != 2 {
		t.Errorf("packages = %v, raw %v; want encoding/json (323 bytes) first, then runtime (2)", got, raw)
	}
	if r.dataRaw != 6 || r.totalPacked <= r.dataPacked {
		t.Errorf("data %d raw, totals %d/%d", r.dataRaw, r.totalPacked, r.dataPacked)
	}
}

func TestParseRefuses(t *testing.T) {
	good := wasmModule([][]byte{{1}}, []string{"runtime.x"}, nil)
	tests := []struct {
		name string
		in   []byte
	}{
		{"not wasm", []byte("\x7fELF....")},
		{"truncated section", good[:len(good)-3]},
		{"section longer than the file", append(append([]byte{}, magic...), 10, 0xff, 0x01)},
	}
	for _, tt := range tests {
		if _, err := parse(tt.in); err == nil {
			t.Errorf("%s: parse succeeded", tt.name)
		}
	}
}

// TestCompressors: each compressor shrinks repetitive code below its raw
// size, and a compressor's failure is breakdown's, named by the package.
func TestCompressors(t *testing.T) {
	big := bytes.Repeat([]byte("abcdefgh"), 400)
	tests := []struct {
		name string
		pack compressor
		need string // a command the compressor runs
	}{
		{"gzip", gzipLen, ""},
		{"brotli", brotliLen, "brotli"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.need != "" {
				testenv.LookPath(t, tt.need)
			}
			n, err := tt.pack(big)
			if err != nil {
				t.Fatal(err)
			}
			if n <= 0 || n >= len(big)/10 {
				t.Errorf("%s of %d repetitive bytes = %d", tt.name, len(big), n)
			}
		})
	}
	m, err := parse(wasmModule([][]byte{big}, []string{"encoding_json.Marshal"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	failing := func([]byte) (int, error) { return 0, errors.New("no compressor") }
	if _, err := breakdown(m, failing); err == nil || !strings.Contains(err.Error(), "encoding/json") {
		t.Errorf("breakdown with a failing compressor: %v, want an error naming encoding/json", err)
	}
}
