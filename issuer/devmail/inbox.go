package devmail

import (
	"bytes"
	"embed"
	"github.com/honnin/honnin/edge/jsonapi"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// maxAddrLen is the longest forward-path RFC 5321 §4.5.3.1.3 allows; a
// longer ?to= cannot match any stored recipient.
const maxAddrLen = 256

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"when": func(t time.Time) string { return t.In(jst).Format("2006-01-02 15:04:05 MST") },
}).ParseFS(templateFS, "templates/*.html"))

// jst is the zone the inbox shows times in: the service and its cardholders
// are in Japan. The fixed zone is exact (no DST since 1951) for systems
// without tzdata.
var jst = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		return loc
	}
	return time.FixedZone("JST", 9*60*60)
}()

// Inbox is the web side of the sink: an HTML list for people and a JSON API
// for tests.
//
//	GET    /                    HTML list, newest first
//	GET    /messages/{id}       one message as HTML
//	GET    /api/messages?to=a   JSON list, newest first, optionally by recipient
//	GET    /api/messages/{id}   one message as JSON
//	DELETE /api/messages        remove all messages
//	GET    /api/sms?to=+8190…   text messages as JSON, newest first, optionally by number
//	DELETE /api/sms             remove all text messages
//
// and takes SMS the way the issuer sends them (see SMSConfig):
//
//	POST /twilio/2010-04-01/Accounts/{sid}/Messages.json   Twilio's Messages API (base URL {inbox}/twilio)
//	POST /sms/webhook                                      sms.Webhook's signed JSON
type Inbox struct {
	store *Store
	log   *slog.Logger
	sms   SMSConfig
	mux   *http.ServeMux
}

// NewInbox returns the inbox handler for store, taking SMS as smsCfg says.
// A nil logger means slog.Default().
func NewInbox(store *Store, logger *slog.Logger, smsCfg SMSConfig) *Inbox {
	if logger == nil {
		logger = slog.Default()
	}
	h := &Inbox{store: store, log: logger, sms: smsCfg, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /{$}", h.list)
	h.mux.HandleFunc("GET /messages/{id}", h.message)
	h.mux.HandleFunc("GET /api/messages", h.apiList)
	h.mux.HandleFunc("DELETE /api/messages", h.apiClear)
	h.mux.HandleFunc("GET /api/messages/{id}", h.apiMessage)
	h.mux.HandleFunc("GET /api/sms", h.apiSMS)
	h.mux.HandleFunc("DELETE /api/sms", h.apiClearSMS)
	h.mux.HandleFunc("POST /twilio/2010-04-01/Accounts/{sid}/Messages.json", h.twilioMessages)
	h.mux.HandleFunc("POST /sms/webhook", h.smsWebhook)
	h.mux.HandleFunc("/api/sms", methodNotAllowed("GET, DELETE"))
	h.mux.HandleFunc("/twilio/2010-04-01/Accounts/{sid}/Messages.json", methodNotAllowed("POST"))
	h.mux.HandleFunc("/sms/webhook", methodNotAllowed("POST"))
	// Without these the mux answers API misuse in plain text; clients of
	// the API expect the JSON error shape.
	h.mux.HandleFunc("/api/messages", methodNotAllowed("GET, DELETE"))
	h.mux.HandleFunc("/api/messages/{id}", methodNotAllowed("GET"))
	h.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusNotFound, Code: "not_found", Message: "no such API endpoint"})
	})
	return h
}

func (h *Inbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	// Mail HTML is shown in a srcdoc iframe, which inherits this policy:
	// no script, no remote loads (tracking pixels), no forms, no framing of
	// the inbox by other sites. Inline styles stay so mails look right.
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("Cache-Control", "no-store")
	// Nothing here reads a request body; cap it anyway so none is buffered.
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	h.mux.ServeHTTP(w, r)
}

// recipient validates the query of the list endpoints: at most one `to`,
// nothing else, so a typo like ?recipient= fails loudly instead of silently
// returning every message.
func recipient(r *http.Request) (string, bool, string) {
	q := r.URL.Query()
	for k := range q {
		if k != "to" {
			return "", false, "unknown query parameter " + k + "; only to is supported"
		}
	}
	if len(q["to"]) > 1 {
		return "", false, "to may be given once"
	}
	to := q.Get("to")
	if len(to) > maxAddrLen {
		return "", false, "to is longer than any mail address"
	}
	return to, true, ""
}

func (h *Inbox) list(w http.ResponseWriter, r *http.Request) {
	to, ok, msg := recipient(r)
	if !ok {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	var texts []SMS
	if to == "" || strings.HasPrefix(to, "+") || !strings.Contains(to, "@") {
		texts = h.store.SMSes(to)
	}
	h.render(w, "list.html", struct {
		To       string
		Messages []Message
		SMS      []SMS
	}{to, h.store.Messages(to), texts})
}

func (h *Inbox) message(w http.ResponseWriter, r *http.Request) {
	m, ok := h.store.Message(r.PathValue("id"))
	if !ok {
		http.Error(w, "no such message (it may have been cleared or evicted)", http.StatusNotFound)
		return
	}
	h.render(w, "message.html", m)
}

// render executes into a buffer first so a template error becomes a clean
// 500 instead of half a page.
func (h *Inbox) render(w http.ResponseWriter, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		h.log.Error("devmail: render inbox page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = buf.WriteTo(w)
}

func (h *Inbox) apiList(w http.ResponseWriter, r *http.Request) {
	to, ok, msg := recipient(r)
	if !ok {
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusBadRequest, Code: "bad_request", Message: msg})
		return
	}
	jsonapi.Write(w, http.StatusOK, h.store.Messages(to))
}

func (h *Inbox) apiMessage(w http.ResponseWriter, r *http.Request) {
	m, ok := h.store.Message(r.PathValue("id"))
	if !ok {
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusNotFound, Code: "not_found", Message: "no message with this id (it may have been cleared or evicted)"})
		return
	}
	jsonapi.Write(w, http.StatusOK, m)
}

func (h *Inbox) apiClear(w http.ResponseWriter, r *http.Request) {
	h.store.Clear()
	w.WriteHeader(http.StatusNoContent)
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed", Message: "use " + allow})
	}
}
