//go:build js && wasm

package worker

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"syscall/js"

	"github.com/honnin/honnin/edge/jsonapi"
)

// runtimeContext is this instance's own {env, ctx, binding} object: the
// glue hands it to Go's run (github.com/syumai/workers' wasm_exec.js makes
// it this instance's globalThis.context) and sets env and ctx before each
// call. syumai's D1 driver reads env from it too.
var runtimeContext = js.Global().Get("context")

// Env returns the variable or secret name from the current env bindings
// ("" when unset).
func Env(name string) string {
	v := runtimeContext.Get("env").Get(name)
	if v.Type() != js.TypeString {
		return ""
	}
	return v.String()
}

// Handlers are what an instance serves.
type Handlers struct {
	HTTP http.Handler
	// Scheduled runs on a cron trigger, under waitUntil.
	Scheduled func(ctx context.Context)
}

// Serve registers h with the glue and blocks forever: the instance lives
// as long as the isolate keeps it. It must be called from main, which must
// do nothing costly before it: the glue waits for the registration.
func Serve(h Handlers) error {
	b := runtimeContext.Get("binding")
	b.Set("serve", js.FuncOf(func(_ js.Value, args []js.Value) any {
		headStr, body, respond, finish := args[0].String(), args[1], args[2], args[3]
		go serveOne(h.HTTP, headStr, body, respond, finish)
		return nil
	}))
	b.Set("scheduled", js.FuncOf(func(_ js.Value, args []js.Value) any {
		finish := args[0]
		go func() {
			defer finish.Invoke()
			if h.Scheduled != nil {
				runSafely(context.Background(), slog.Default(), "scheduled", h.Scheduled)
			}
		}()
		return nil
	}))
	select {}
}

// serveOne serves one request, whose head (see head.go) and body (a
// Uint8Array, or undefined) the glue passed: the response goes to respond
// (status, headers as one string, body or null), and once the work left
// for after it (After) is done, finish is called, which ends the request's
// waitUntil and frees the instance.
func serveOne(h http.Handler, headStr string, body, respond, finish js.Value) {
	defer finish.Invoke()
	l := &later{}
	r, err := newRequest(headStr, body, l)
	w := &responseWriter{header: http.Header{}}
	if err != nil {
		jsonapi.Write(w, http.StatusBadRequest, jsonapi.ErrorBody{Error: "bad_request", Message: err.Error()})
	} else {
		serveSafely(h, w, r)
	}
	w.respond(respond)
	bg := context.Background()
	if r != nil {
		bg = context.WithoutCancel(r.Context())
	}
	for _, fn := range l.fns {
		runSafely(bg, slog.Default(), "after", fn)
	}
}

// serveSafely turns a panic into a JSON 500, so the instance keeps
// serving. (edge/api recovers its own; this covers everything else.)
func serveSafely(h http.Handler, w *responseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			slog.Error("worker: panic", "method", r.Method, "path", r.URL.Path, "panic", v)
			*w = responseWriter{header: http.Header{}}
			jsonapi.WriteInternal(w)
		}
	}()
	h.ServeHTTP(w, r)
}

func newRequest(headStr string, b js.Value, l *later) (*http.Request, error) {
	hd, err := parseHead(headStr)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(hd.url)
	if err != nil {
		return nil, err
	}
	var body []byte
	if b.Truthy() {
		body = make([]byte, b.Get("length").Int())
		js.CopyBytesToGo(body, b)
	}
	ctx := context.WithValue(context.Background(), laterKey{}, l)
	ctx = context.WithValue(ctx, connKey{}, hd.conn)
	r, err := http.NewRequestWithContext(ctx, hd.method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body == nil {
		r.Body = http.NoBody
	}
	r.RequestURI = u.RequestURI()
	r.RemoteAddr = net.JoinHostPort(hd.conn.IP, "0")
	r.Header = hd.header
	r.Host = u.Host
	r.ContentLength = int64(len(body))
	return r, nil
}

// responseWriter collects the response; the glue builds the JS Response.
type responseWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

var uint8Array = js.Global().Get("Uint8Array")

// respond hands the response to the glue's respond(status, headers, body).
func (w *responseWriter) respond(respond js.Value) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	body := js.Null()
	if w.body.Len() > 0 {
		body = uint8Array.New(w.body.Len())
		js.CopyBytesToJS(body, w.body.Bytes())
	}
	respond.Invoke(w.status, formatHeader(w.header), body)
}
