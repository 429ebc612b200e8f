//go:build js && wasm

package worker

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
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
		msg, respond, finish := args[0], args[1], args[2]
		go serveOne(h.HTTP, msg, respond, finish)
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

// serveOne serves one request: the response goes to respond, and once the
// work left for after it (After) is done, finish is called, which ends the
// request's waitUntil and frees the instance.
func serveOne(h http.Handler, msg, respond, finish js.Value) {
	defer finish.Invoke()
	l := &later{}
	r, err := newRequest(msg, l)
	w := &responseWriter{header: http.Header{}}
	if err != nil {
		jsonapi.Write(w, http.StatusBadRequest, jsonapi.ErrorBody{Error: "bad_request", Message: err.Error()})
	} else {
		serveSafely(h, w, r)
	}
	respond.Invoke(w.toJS())
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

func newRequest(msg js.Value, l *later) (*http.Request, error) {
	u, err := url.Parse(msg.Get("url").String())
	if err != nil {
		return nil, err
	}
	var body []byte
	if b := msg.Get("body"); b.Truthy() {
		body = make([]byte, b.Get("length").Int())
		js.CopyBytesToGo(body, b)
	}
	ctx := context.WithValue(context.Background(), laterKey{}, l)
	c := Conn{IP: str(msg.Get("ip"))}
	if cf := msg.Get("cf"); cf.Truthy() {
		c.Country, c.Colo, c.TLSVersion = str(cf.Get("country")), str(cf.Get("colo")), str(cf.Get("tlsVersion"))
		if a := cf.Get("asn"); a.Type() == js.TypeNumber {
			c.ASN = int64(a.Float())
		}
	}
	ctx = context.WithValue(ctx, connKey{}, c)
	r, err := http.NewRequestWithContext(ctx, msg.Get("method").String(), u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body == nil {
		r.Body = http.NoBody
	}
	r.RequestURI = u.RequestURI()
	r.RemoteAddr = net.JoinHostPort(c.IP, "0")
	hs := msg.Get("headers")
	for i, n := 0, hs.Length(); i < n; i++ {
		kv := hs.Index(i)
		r.Header.Add(kv.Index(0).String(), kv.Index(1).String())
	}
	r.Host = u.Host
	r.ContentLength = int64(len(body))
	return r, nil
}

func str(v js.Value) string {
	if v.Type() != js.TypeString {
		return ""
	}
	return v.String()
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

var (
	uint8Array = js.Global().Get("Uint8Array")
	array      = js.Global().Get("Array")
	object     = js.Global().Get("Object")
)

func (w *responseWriter) toJS() js.Value {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	hs := array.New()
	for k, vs := range w.header {
		for _, v := range vs {
			hs.Call("push", array.New(strings.ToLower(k), v))
		}
	}
	out := object.New()
	out.Set("status", w.status)
	out.Set("headers", hs)
	if w.body.Len() > 0 {
		b := uint8Array.New(w.body.Len())
		js.CopyBytesToJS(b, w.body.Bytes())
		out.Set("body", b)
	}
	return out
}
