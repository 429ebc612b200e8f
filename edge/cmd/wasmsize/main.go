// Command wasmsize says where a Go wasm binary's gzip (or, with -brotli,
// brotli) size goes, by Go package: the code of each function, compressed per package, and the data
// section (read-only data, type descriptors, the function table Go keeps
// for stack traces) as one row. It reads the function names from the
// wasm's "name" section, so give it a build without -s (make bench's
// edge/build-names, or the client built without -s). The per-package figures are each package's code
// compressed alone, so they add up to a little more than the whole file
// compressed at once; read them as shares.
//
//	wasmsize [-top N] [-brotli] [-title T] app.wasm
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
)

func main() {
	top := flag.Int("top", 25, "packages to list")
	useBrotli := flag.Bool("brotli", false, "compress with brotli -q 11 (the client's encoding) instead of gzip -9")
	title := flag.String("title", "part of the worker's wasm", "the first column's heading")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: wasmsize [-top N] [-brotli] [-title T] app.wasm")
		os.Exit(2)
	}
	b, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		log.Fatal(err)
	}
	m, err := parse(b)
	if err != nil {
		log.Fatalf("wasmsize: %s: %v", flag.Arg(0), err)
	}
	if len(m.names) == 0 {
		log.Fatalf("wasmsize: %s has no function names (built with -s?)", flag.Arg(0))
	}
	pack, packName := compressor(gzipLen), "gzip"
	if *useBrotli {
		pack, packName = brotliLen, "brotli"
	}
	r, err := breakdown(m, pack)
	if err != nil {
		log.Fatalf("wasmsize: %v", err)
	}
	if r.filePacked, err = pack(b); err != nil {
		log.Fatalf("wasmsize: %v", err)
	}
	fmt.Printf("| %s | raw | %s (each part alone) | share |\n|---|---|---|---|\n", *title, packName)
	shown := 0
	var restRaw, restGz int
	for _, p := range r.packages {
		if shown < *top {
			fmt.Printf("| %s | %.0f KiB | %.0f KiB | %.1f %% |\n", p.name, kib(p.raw), kib(p.packed), 100*float64(p.packed)/float64(r.totalPacked))
			shown++
			continue
		}
		restRaw += p.raw
		restGz += p.packed
	}
	if restGz > 0 {
		fmt.Printf("| %d other packages | %.0f KiB | %.0f KiB | %.1f %% |\n", len(r.packages)-shown, kib(restRaw), kib(restGz), 100*float64(restGz)/float64(r.totalPacked))
	}
	fmt.Printf("| data section (read-only data, types, function table) | %.0f KiB | %.0f KiB | %.1f %% |\n", kib(r.dataRaw), kib(r.dataPacked), 100*float64(r.dataPacked)/float64(r.totalPacked))
	fmt.Printf("| whole file, its name section included | %.0f KiB | %.0f KiB | |\n", kib(len(b)), kib(r.filePacked))
}

func kib(n int) float64 { return float64(n) / 1024 }
