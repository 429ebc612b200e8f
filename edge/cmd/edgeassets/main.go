// Command edgeassets prepares the Workers edge's build (make edge-build): it
// writes the client files into the static-assets folder with a _headers
// file (edge/assets Export), and prints the -ldflags that give the worker
// the client's content-hashed names for its challenge page.
//
//	edgeassets -dist web/dist -o edge/build/public
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/honnin/honnin/edge/assets"
	"github.com/honnin/honnin/web"
)

func main() {
	dist := flag.String("dist", "web/dist", "client build output")
	out := flag.String("o", "edge/build/public", "static-assets folder to write (replaced)")
	flag.Parse()
	log.SetFlags(0)
	h, err := assets.New(os.DirFS(*dist), web.Static, func(string) (assets.Session, error) { return assets.Session{}, fmt.Errorf("unused") })
	if err != nil {
		log.Fatal(err)
	}
	if err := os.RemoveAll(*out); err != nil {
		log.Fatal(err)
	}
	if err := h.Export(*out); err != nil {
		log.Fatal(err)
	}
	var m struct {
		Wasm     string `json:"wasm"`
		WasmExec string `json:"wasm_exec"`
	}
	b, err := os.ReadFile(filepath.Join(*dist, "manifest.json"))
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("-X main.clientWasm=%s -X main.clientWasmExec=%s\n", m.Wasm, m.WasmExec)
}
