// Package worker runs an http.Handler inside Cloudflare Workers (workerd)
// with one warm Go instance serving request after request, instead of the
// fresh Go instance per request that github.com/syumai/workers' stock glue
// starts (8-10 ms of CPU each before the handler runs at all).
//
// The JavaScript half is glue.mjs beside this file: it keeps a small pool
// of Go instances, gives each one request at a time, and passes the request
// (method, URL, headers, a capped body, the client IP and request.cf), the
// env bindings and ctx.waitUntil across. Serve is the Go half. One request
// at a time per instance is deliberate: workerd ties every timer and I/O
// promise to the request that created it, and Go's scheduler would
// otherwise start one request's fetches and timers while running inside
// another's callback (see edge/README.md, "Warm Go instances").
//
// Outside js/wasm the package still builds: Env reads the process
// environment and After runs its work in a goroutine, so code that uses them
// is tested natively.
package worker

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"

	"github.com/honnin/honnin/edge/contract"
)

// MaxBody is the largest request body the glue passes to Go; a longer one
// is answered 413 before it reaches an instance. The edge's JSON bodies are
// capped at 64 KiB by jsonapi; this bound keeps a hostile upload out of the
// instance's memory altogether.
const MaxBody = 64 << 10

// MaxInstances is how many Go instances the glue keeps at most (6-12 MiB
// each, under the isolate's 128 MB). Keep in step with glue.mjs.
const MaxInstances = 6

// Conn is what Workers knows about a request's client connection: the
// client IP (CF-Connecting-IP) and request.cf's geolocation and TLS data.
type Conn struct {
	IP         string
	Country    string
	ASN        int64
	Colo       string
	TLSVersion string
}

type connKey struct{}

// ConnFrom returns the Conn of the request whose context ctx is; false
// outside Workers.
func ConnFrom(ctx context.Context) (Conn, bool) {
	c, ok := ctx.Value(connKey{}).(Conn)
	return c, ok
}

// Signals returns the edge signals of r for the issuer: request.cf's data
// inside Workers, the peer address elsewhere.
func Signals(r *http.Request) contract.EdgeSignals {
	if c, ok := ConnFrom(r.Context()); ok {
		return contract.EdgeSignals{IP: c.IP, Country: c.Country, ASN: c.ASN, Colo: c.Colo, TLSVersion: c.TLSVersion}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return contract.EdgeSignals{IP: host}
}

// later collects the work a request leaves for after its response.
type later struct {
	fns []func(context.Context)
}

type laterKey struct{}

// After runs fn after the response of the request whose context ctx is.
// Inside Workers it runs in the same instance under ctx.waitUntil, so it
// completes (an instance is not handed another request before it has);
// fn gets a context that the response does not cancel. Outside Workers (or
// for a ctx that is not a request's) fn runs in a new goroutine at once.
func After(ctx context.Context, fn func(context.Context)) {
	if l, ok := ctx.Value(laterKey{}).(*later); ok {
		l.fns = append(l.fns, fn)
		return
	}
	go runSafely(context.WithoutCancel(ctx), slog.Default(), "after", fn)
}

// runSafely runs fn, logging a panic instead of letting it end the
// instance (and every request it would serve next).
func runSafely(ctx context.Context, log *slog.Logger, what string, fn func(context.Context)) {
	defer func() {
		if v := recover(); v != nil {
			log.Error("worker: panic in "+what, "panic", v, "stack", string(debug.Stack()))
		}
	}()
	fn(ctx)
}
