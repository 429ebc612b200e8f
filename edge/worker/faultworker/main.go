//go:build js && wasm && workerfault

// Command faultworker is a worker that fails on purpose, for the tests of
// edge/worker in real workerd (TestWorkerdFaults): the workerfault build
// tag keeps it out of every other build, and nothing ships it. Its routes:
//
//	GET  /instance  this Go instance's id (random, drawn at start)
//	POST /echo      the length of the body it got
//	GET  /panic     panics in the handler (worker recovers: JSON 500)
//	GET  /crash     panics in another goroutine, which ends the instance
//	GET  /head      the request's head as Go got it (JSON), with two
//	                cookies and a value holding a newline in the response
package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"

	"github.com/honnin/honnin/edge/worker"
)

func main() {
	id := rand.Text()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /instance", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, id)
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, n)
	})
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) {
		panic("faultworker: panic in a handler")
	})
	mux.HandleFunc("GET /crash", func(w http.ResponseWriter, r *http.Request) {
		go func() { panic("faultworker: panic outside any handler") }()
		<-r.Context().Done() // never: the instance ends first
	})
	mux.HandleFunc("GET /head", func(w http.ResponseWriter, r *http.Request) {
		c, _ := worker.ConnFrom(r.Context())
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.Header().Set("X-Newline", "a\nb")
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"method": r.Method, "host": r.Host, "uri": r.RequestURI, "ip": c.IP,
			"test": r.Header.Values("X-Test"), "accept": r.Header.Get("Accept"),
		})
	})
	if err := worker.Serve(worker.Handlers{HTTP: mux}); err != nil {
		slog.Error("faultworker: " + err.Error())
		os.Exit(1)
	}
}
