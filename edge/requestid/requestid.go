// Package requestid gives each HTTP request to the issuer and the edge an
// id that every log line of the request carries and its answer returns
// (X-Request-Id), so one cardholder's complaint, one 502 or one slow start
// can be followed through both processes' logs. The edge passes its id on
// to the issuer (edge/issuerclient), which takes it from a trusted peer.
//
// An incoming id is taken only from a peer the process trusts (loopback,
// the operator's proxies) and only when it is short and plain; anything
// else gets a fresh random id. An id is never a secret and never derived
// from one: it is what logs and headers may show.
package requestid

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
)

// Header carries the id, in the request from a trusted peer and in every
// answer.
const Header = "X-Request-Id"

// LogKey is the attribute every log line of a request carries.
const LogKey = "request_id"

// maxLen bounds an incoming id: a UUID is 36, a proxy's trace ids are
// shorter than this.
const maxLen = 64

type ctxKey struct{}

// NewContext returns ctx carrying id.
func NewContext(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext is the request id ctx carries, "" for none.
func FromContext(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// New is a fresh id: 80 random bits, 16 characters of base32.
func New() string { return rand.Text()[:16] }

// Valid reports whether id may be taken from a trusted peer: 1 to 64
// letters, digits, '-', '_', '.' or ':' — nothing a log line or a header
// could be confused by.
func Valid(id string) bool {
	if id == "" || len(id) > maxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// Handler gives each request an id before next sees it: the incoming
// Header's if trusted(r) and Valid, else New. The id is in the request's
// context (FromContext) and in the answer's Header. A nil trusted trusts
// no peer.
func Handler(next http.Handler, trusted func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(Header)
		if !Valid(id) || trusted == nil || !trusted(r) {
			id = New()
		}
		r.Header.Set(Header, id)
		w.Header().Set(Header, id)
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), id)))
	})
}

// Peers trusts requests whose connection comes from loopback or from one
// of proxies (the operator's load balancers): those set an id of their own.
func Peers(proxies []netip.Prefix) func(*http.Request) bool {
	return func(r *http.Request) bool {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		a, err := netip.ParseAddr(host)
		if err != nil {
			return false
		}
		a = a.Unmap()
		if a.IsLoopback() {
			return true
		}
		for _, p := range proxies {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
}

// LogHandler adds the request id of a log call's context to each record,
// so every line logged with the request's context (LogAttrs, InfoContext,
// ...) names its request.
type LogHandler struct{ slog.Handler }

// NewLogHandler wraps h.
func NewLogHandler(h slog.Handler) *LogHandler { return &LogHandler{h} }

// Handle adds LogKey when ctx carries an id.
func (h *LogHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id := FromContext(ctx); id != "" {
		rec = rec.Clone()
		rec.AddAttrs(slog.String(LogKey, id))
	}
	return h.Handler.Handle(ctx, rec)
}

// WithAttrs keeps the wrapper around the derived handler.
func (h *LogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &LogHandler{h.Handler.WithAttrs(as)}
}

// WithGroup keeps the wrapper around the derived handler.
func (h *LogHandler) WithGroup(name string) slog.Handler {
	return &LogHandler{h.Handler.WithGroup(name)}
}
