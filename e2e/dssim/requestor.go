package dssim

import (
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/honnin/honnin/edge/emv3ds"
)

//go:embed static
var staticFS embed.FS

//go:embed page.html
var pageHTML string

var page = template.Must(template.New("page").Parse(pageHTML))

// The requestor's own paths.
const (
	// MethodNotificationPath is the threeDSMethodNotificationURL.
	MethodNotificationPath = "/3ds/method-notification"
	// NotificationPath is the notificationURL (with ?tx=<threeDSServerTransID>,
	// so the ACS must post to it query included).
	NotificationPath = "/3ds/notification"
)

// windowFrames are the challenge iframe's CSS sizes per challengeWindowSize
// (note §5); 05 is the whole window.
var windowFrames = map[string][2]string{
	"01": {"250px", "400px"},
	"02": {"390px", "400px"},
	"03": {"500px", "600px"},
	"04": {"600px", "400px"},
	"05": {"100%", "100vh"},
}

// Transaction is one purchase through the requestor: what it sent and
// what came back, all of it for tests (GET /api/tx/{id}).
type Transaction struct {
	ThreeDSServerTransID string    `json:"threeDSServerTransID"`
	Created              time.Time `json:"created"`
	Version              string    `json:"version"`
	Card                 string    `json:"card"`
	Amount               string    `json:"amount"`
	Currency             string    `json:"currency"`
	Merchant             string    `json:"merchant"`
	// NonPayment: a non-payment authentication (messageCategory 02)
	// without an amount, the card added to a wallet.
	NonPayment bool   `json:"nonPayment,omitempty"`
	WindowSize string `json:"windowSize"`
	// Padded: the creq was posted with its '=' padding.
	Padded bool `json:"padded"`
	// MethodURL is the ACS's threeDSMethodURL the page ran ("" when
	// skipped); Method the notification that came back.
	MethodURL string        `json:"methodURL"`
	Method    *Notification `json:"method,omitempty"`
	CompInd   string        `json:"compInd,omitempty"`
	// AReq as sent (with the DS's additions) and the ACS's answer.
	AReq        map[string]any `json:"areq,omitempty"`
	AResRaw     string         `json:"aresRaw,omitempty"`
	ARes        *emv3ds.ARes   `json:"ares,omitempty"`
	AReqErro    *emv3ds.Erro   `json:"areqErro,omitempty"`
	AReqFailure string         `json:"areqFailure,omitempty"`
	// CReq is the creq field as posted; SessionData the
	// threeDSSessionData posted with it.
	CReq        string `json:"creq,omitempty"`
	SessionData string `json:"sessionData,omitempty"`
	// Results are the posts to the notificationURL: the final CRes (or
	// an Erro), and the threeDSSessionData that came back.
	Results []Notification `json:"results,omitempty"`
}

// Notification is one form post the requestor received from the ACS's
// pages.
type Notification struct {
	At time.Time `json:"at"`
	// Field is the form field it came in (cres, erro, threeDSMethodData);
	// Value the field as posted; Padded whether it had '=' padding.
	Field  string `json:"field"`
	Value  string `json:"value"`
	Padded bool   `json:"padded"`
	// JSON is the decoded message; CRes or Erro it read by messageType
	// (MethodData for the 3DS Method's).
	JSON        json.RawMessage    `json:"json,omitempty"`
	CRes        *emv3ds.CRes       `json:"cres,omitempty"`
	Erro        *emv3ds.Erro       `json:"erro,omitempty"`
	MethodData  *emv3ds.MethodData `json:"methodData,omitempty"`
	DecodeError string             `json:"decodeError,omitempty"`
	// SessionData is threeDSSessionData as it came back ("" if absent);
	// HasSessionData tells absent from empty.
	SessionData    string `json:"sessionData"`
	HasSessionData bool   `json:"hasSessionData"`
	// Query is the notification URL's query as the post reached it.
	Query string `json:"query"`
}

// Requestor is a minimal 3DS Requestor with its 3DS Server: a checkout
// page that runs the 3DS Method, has the DS send the AReq with the
// browser's data and on C posts the CReq into an iframe of the requested
// size, and the two notification URLs. It is plain HTTP, on loopback.
type Requestor struct {
	// Origin is the requestor's origin as the browser sees it: the
	// notification URLs are on it.
	Origin string
	// MethodURL is the ACS's threeDSMethodURL for the card range ("":
	// none, threeDSCompInd U).
	MethodURL string
	DS        *Client
	RReqs     *Receiver
	DemoCards []string
	Log       *slog.Logger

	mu  sync.Mutex
	txs map[string]*Transaction
	ids []string // oldest first
}

// maxTransactions bounds what a long `make run` keeps.
const maxTransactions = 1000

// Handler is the requestor's web front and its JSON API.
func (q *Requestor) Handler() http.Handler {
	if q.Log == nil {
		q.Log = slog.New(slog.DiscardHandler)
	}
	static, _ := fs.Sub(staticFS, "static")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", q.home)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("POST /api/start", q.start)
	mux.HandleFunc("POST /api/areq", q.areq)
	mux.HandleFunc("GET /api/tx/{id}", q.tx)
	mux.HandleFunc("GET /api/transactions", q.list)
	mux.HandleFunc("GET /api/rreqs", q.rreqs)
	mux.HandleFunc("POST /api/ds-mode", q.dsMode)
	mux.HandleFunc("POST "+MethodNotificationPath, q.methodNotification)
	mux.HandleFunc("POST "+NotificationPath, q.notification)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// The page posts to the ACS (form-action) and frames it; its own
		// script only.
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; frame-src *; form-action *; object-src 'none'; base-uri 'none'")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
		mux.ServeHTTP(w, r)
	})
}

type homeData struct {
	Amount, Currency, Merchant, Card, Version, WindowSize string
	Padded, NoMethod, NonPayment                          bool
	Accept                                                string
	DemoCards                                             []string
	Versions                                              []string
	WindowSizes                                           []string
}

// home is the checkout page. Its query may preset the form: amount
// (minor units), currency, merchant, card, v (version), ws (window
// size), pad=1 (padded creq), method=0 (skip the 3DS Method), npa=1 (a
// non-payment authentication without an amount: the card added to a
// wallet).
func (q *Requestor) home(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	d := homeData{
		Amount: v.Get("amount"), Currency: v.Get("currency"), Merchant: v.Get("merchant"), Card: v.Get("card"),
		Version: v.Get("v"), WindowSize: v.Get("ws"), Padded: v.Get("pad") == "1", NoMethod: v.Get("method") == "0",
		NonPayment: v.Get("npa") == "1", Accept: r.Header.Get("Accept"), DemoCards: q.DemoCards, Versions: emv3ds.Versions,
		WindowSizes: []string{"01", "02", "03", "04", "05"},
	}
	if d.Amount == "" {
		d.Amount = "1250"
	}
	if d.Currency == "" {
		d.Currency = yen
	}
	if d.Merchant == "" {
		d.Merchant = "Demo Shop"
	}
	if !emv3ds.SupportedVersion(d.Version) {
		d.Version = emv3ds.V220
	}
	if _, ok := windowFrames[d.WindowSize]; !ok {
		d.WindowSize = "03"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := page.Execute(w, d); err != nil {
		q.Log.Error("dssim: page", "err", err)
	}
}

type startRequest struct {
	Card, Amount, Currency, Merchant, Version, WindowSize string
	Padded, NoMethod, NonPayment                          bool
}

type startAnswer struct {
	ThreeDSServerTransID string `json:"threeDSServerTransID"`
	MethodURL            string `json:"methodURL,omitempty"`
	MethodData           string `json:"methodData,omitempty"`
}

// start makes a transaction and, when the range has a 3DS Method, the
// threeDSMethodData the page posts to it.
func (q *Requestor) start(w http.ResponseWriter, r *http.Request) {
	var s startRequest
	if err := json.NewDecoder(r.Body).Decode(&s); err != nil {
		jsonError(w, http.StatusBadRequest, "bad start request: "+err.Error())
		return
	}
	if _, ok := windowFrames[s.WindowSize]; !ok || !emv3ds.SupportedVersion(s.Version) {
		jsonError(w, http.StatusBadRequest, "version or window size unknown")
		return
	}
	card := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s.Card)
	tx := &Transaction{ThreeDSServerTransID: NewUUID(), Created: time.Now(), Version: s.Version, Card: card,
		Amount: s.Amount, Currency: s.Currency, Merchant: s.Merchant, WindowSize: s.WindowSize, Padded: s.Padded,
		NonPayment: s.NonPayment}
	a := startAnswer{ThreeDSServerTransID: tx.ThreeDSServerTransID}
	if q.MethodURL != "" && !s.NoMethod {
		tx.MethodURL = q.MethodURL
		data, err := emv3ds.Encode(emv3ds.MethodData{ThreeDSServerTransID: tx.ThreeDSServerTransID,
			ThreeDSMethodNotificationURL: q.Origin + MethodNotificationPath})
		if err != nil {
			jsonError(w, http.StatusInternalServerError, err.Error())
			return
		}
		a.MethodURL, a.MethodData = q.MethodURL, data
	}
	q.put(tx)
	writeJSON(w, a)
}

type areqRequest struct {
	ThreeDSServerTransID string  `json:"threeDSServerTransID"`
	Browser              Browser `json:"browser"`
}

type areqAnswer struct {
	TransStatus       string       `json:"transStatus,omitempty"`
	TransStatusReason string       `json:"transStatusReason,omitempty"`
	ACSURL            string       `json:"acsURL,omitempty"`
	CReq              string       `json:"creq,omitempty"`
	SessionData       string       `json:"sessionData,omitempty"`
	Width             string       `json:"width,omitempty"`
	Height            string       `json:"height,omitempty"`
	Erro              *emv3ds.Erro `json:"erro,omitempty"`
	Failure           string       `json:"failure,omitempty"`
}

// areq sends the transaction's AReq through the DS, with the browser's
// fields from the page and its IP from the connection, and on C returns
// the CReq the page posts.
func (q *Requestor) areq(w http.ResponseWriter, r *http.Request) {
	var in areqRequest
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		jsonError(w, http.StatusBadRequest, "bad AReq request: "+err.Error())
		return
	}
	tx := q.get(in.ThreeDSServerTransID)
	if tx == nil {
		jsonError(w, http.StatusNotFound, "no such transaction")
		return
	}
	b := in.Browser
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		b.IP = host
	}
	b.AcceptLanguage = acceptLanguage(r.Header.Get("Accept-Language"))
	if b.UserAgent == "" {
		b.UserAgent = r.UserAgent()
	}
	// threeDSCompInd is the requestor's own finding: Y once the ACS's
	// notification came, N without it (the page waited its 10 s), U
	// when the range has no 3DS Method.
	q.mu.Lock()
	switch {
	case tx.MethodURL == "":
		tx.CompInd = "U"
	case tx.Method != nil && tx.Method.DecodeError == "":
		tx.CompInd = "Y"
	default:
		tx.CompInd = "N"
	}
	p := Purchase{Version: tx.Version, ThreeDSServerTransID: tx.ThreeDSServerTransID, Card: tx.Card,
		Amount: tx.Amount, Currency: tx.Currency, Merchant: tx.Merchant, NonPayment: tx.NonPayment, RequestorURL: q.Origin + "/",
		NotificationURL: q.Origin + NotificationPath + "?tx=" + tx.ThreeDSServerTransID, CompInd: tx.CompInd, Browser: b}
	q.mu.Unlock()

	sent, reply, err := q.DS.SendAReq(r.Context(), BrowserAReq(p))
	q.mu.Lock()
	defer q.mu.Unlock()
	tx.AReq = sent
	var a areqAnswer
	switch {
	case err != nil:
		tx.AReqFailure, a.Failure = err.Error(), err.Error()
	case reply.Erro != nil:
		tx.AReqErro, a.Erro = reply.Erro, reply.Erro
		tx.AResRaw = string(reply.Raw)
	case reply.ARes == nil:
		tx.AResRaw = string(reply.Raw)
		tx.AReqFailure = fmt.Sprintf("the ACS answered %d %q: neither ARes nor Erro", reply.Status, truncate(string(reply.Raw), 200))
		a.Failure = tx.AReqFailure
	default:
		tx.ARes, tx.AResRaw = reply.ARes, string(reply.Raw)
		a.TransStatus, a.TransStatusReason = reply.ARes.TransStatus, reply.ARes.TransStatusReason
		if reply.ARes.TransStatus == emv3ds.StatusC {
			creq, err := encodeCReq(emv3ds.CReq{MessageType: emv3ds.TypeCReq, MessageVersion: tx.Version,
				ThreeDSServerTransID: tx.ThreeDSServerTransID, ACSTransID: reply.ARes.ACSTransID,
				ChallengeWindowSize: tx.WindowSize}, tx.Padded)
			if err != nil {
				jsonError(w, http.StatusInternalServerError, err.Error())
				return
			}
			tx.CReq, tx.SessionData = creq, sessionData()
			a.ACSURL, a.CReq, a.SessionData = reply.ARes.ACSURL, tx.CReq, tx.SessionData
			f := windowFrames[tx.WindowSize]
			a.Width, a.Height = f[0], f[1]
		}
	}
	q.Log.Info("dssim: AReq", "threeDSServerTransID", tx.ThreeDSServerTransID, "version", tx.Version,
		"compInd", tx.CompInd, "transStatus", a.TransStatus, "erro", a.Erro != nil, "failure", a.Failure)
	writeJSON(w, a)
}

// encodeCReq is base64url(CReq): unpadded as senders are told, or with
// its '=' padding as some send it. A padded one is made to need padding:
// a JSON length that is a multiple of 3 gets a space after the '{'.
func encodeCReq(c emv3ds.CReq, padded bool) (string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	if !padded {
		return base64.RawURLEncoding.EncodeToString(b), nil
	}
	if len(b)%3 == 0 {
		b = append([]byte("{ "), b[1:]...)
	}
	return base64.URLEncoding.EncodeToString(b), nil
}

// sessionData is a fresh threeDSSessionData: opaque to the ACS, echoed to
// the notificationURL, so the requestor finds its session again.
func sessionData() string {
	return "sd-" + strings.ToLower(rand.Text())
}

// acceptLanguage reads an Accept-Language header as 2.3.1's acceptLanguage
// array: the tags, without their weights, at most 10.
func acceptLanguage(h string) []string {
	var tags []string
	for _, part := range strings.Split(h, ",") {
		tag, _, _ := strings.Cut(part, ";")
		if tag = strings.TrimSpace(tag); tag != "" && tag != "*" && len(tag) <= 35 && len(tags) < 10 {
			tags = append(tags, tag)
		}
	}
	return tags
}

// methodNotification takes the ACS's 3DS Method notification.
func (q *Requestor) methodNotification(w http.ResponseWriter, r *http.Request) {
	n := readNotification(r, "threeDSMethodData")
	var sti string
	if n.JSON != nil {
		var m emv3ds.MethodData
		if err := json.Unmarshal(n.JSON, &m); err != nil {
			n.DecodeError = "threeDSMethodData: " + err.Error()
		} else {
			n.MethodData, sti = &m, m.ThreeDSServerTransID
		}
	}
	q.mu.Lock()
	tx := q.txs[sti]
	if tx != nil && tx.Method == nil {
		tx.Method = &n
	}
	q.mu.Unlock()
	q.Log.Info("dssim: 3DS Method notification", "threeDSServerTransID", sti, "known", tx != nil, "error", n.DecodeError)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, "<!doctype html><title>3DS Method</title><p id=\"method-done\">3DS Method notification received.</p>")
}

// notification takes the final CRes (or an Erro) at the notificationURL
// and shows it inside the challenge iframe.
func (q *Requestor) notification(w http.ResponseWriter, r *http.Request) {
	field := "cres"
	if r.PostFormValue("cres") == "" && r.PostFormValue("erro") != "" {
		field = "erro" // as some ACSs name it (note §5)
	}
	n := readNotification(r, field)
	if n.JSON != nil {
		var head struct {
			MessageType string `json:"messageType"`
		}
		_ = json.Unmarshal(n.JSON, &head)
		switch head.MessageType {
		case emv3ds.TypeCRes:
			var c emv3ds.CRes
			if err := json.Unmarshal(n.JSON, &c); err != nil {
				n.DecodeError = "CRes: " + err.Error()
			} else {
				n.CRes = &c
			}
		case emv3ds.TypeErro:
			var e emv3ds.Erro
			if err := json.Unmarshal(n.JSON, &e); err != nil {
				n.DecodeError = "Erro: " + err.Error()
			} else {
				n.Erro = &e
			}
		default:
			n.DecodeError = fmt.Sprintf("messageType %q is neither CRes nor Erro", head.MessageType)
		}
	}
	sti := r.URL.Query().Get("tx")
	q.mu.Lock()
	tx := q.txs[sti]
	if tx != nil {
		tx.Results = append(tx.Results, n)
	}
	q.mu.Unlock()
	status, detail := "", n.DecodeError
	switch {
	case n.CRes != nil:
		status = n.CRes.TransStatus
		if n.CRes.ThreeDSServerTransID != sti {
			detail = "the CRes names another transaction: " + n.CRes.ThreeDSServerTransID
		}
	case n.Erro != nil:
		status, detail = "Erro", n.Erro.ErrorCode+" "+n.Erro.ErrorDescription+": "+n.Erro.ErrorDetail
	}
	q.Log.Info("dssim: notification", "threeDSServerTransID", sti, "known", tx != nil, "status", status, "detail", detail)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := resultPage.Execute(w, struct {
		Status, Detail, SessionData string
		Padded                      bool
	}{status, detail, n.SessionData, n.Padded}); err != nil {
		q.Log.Error("dssim: result page", "err", err)
	}
}

var resultPage = template.Must(template.New("result").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>3-D Secure result</title>
<link rel="stylesheet" href="/static/requestor.css"></head>
<body class="result"><p>3-D Secure result: <strong id="result" data-status="{{.Status}}">{{.Status}}</strong></p>
{{with .Detail}}<p id="detail">{{.}}</p>{{end}}
<p class="small">threeDSSessionData back: <code id="session-data">{{.SessionData}}</code>{{if .Padded}} (padded base64url){{end}}</p>
</body></html>`))

// readNotification reads a form post of one base64url field.
func readNotification(r *http.Request, field string) Notification {
	n := Notification{At: time.Now(), Field: field, Query: r.URL.RawQuery}
	if err := r.ParseForm(); err != nil {
		n.DecodeError = "form: " + err.Error()
		return n
	}
	n.Value = r.PostForm.Get(field)
	n.Padded = strings.HasSuffix(n.Value, "=")
	if sd, ok := r.PostForm["threeDSSessionData"]; ok && len(sd) > 0 {
		n.SessionData, n.HasSessionData = sd[0], true
	}
	b, err := emv3ds.DecodeBase64URL(n.Value)
	switch {
	case n.Value == "":
		n.DecodeError = field + " is missing"
	case err != nil:
		n.DecodeError = field + " is not base64url: " + err.Error()
	case !json.Valid(b):
		n.DecodeError = field + " is not JSON"
	default:
		n.JSON = b
	}
	return n
}

func (q *Requestor) put(tx *Transaction) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.txs == nil {
		q.txs = map[string]*Transaction{}
	}
	q.txs[tx.ThreeDSServerTransID] = tx
	q.ids = append(q.ids, tx.ThreeDSServerTransID)
	if len(q.ids) > maxTransactions {
		delete(q.txs, q.ids[0])
		q.ids = q.ids[1:]
	}
}

func (q *Requestor) get(id string) *Transaction {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.txs[id]
}

// Transaction is a copy of the transaction id (false when unknown).
func (q *Requestor) Transaction(id string) (Transaction, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	tx, ok := q.txs[id]
	if !ok {
		return Transaction{}, false
	}
	c := *tx
	c.Results = slices.Clone(tx.Results)
	return c, true
}

func (q *Requestor) tx(w http.ResponseWriter, r *http.Request) {
	tx, ok := q.Transaction(r.PathValue("id"))
	if !ok {
		jsonError(w, http.StatusNotFound, "no such transaction")
		return
	}
	writeJSON(w, tx)
}

// list is every transaction, newest first.
func (q *Requestor) list(w http.ResponseWriter, r *http.Request) {
	q.mu.Lock()
	out := make([]Transaction, 0, len(q.ids))
	for i := len(q.ids) - 1; i >= 0; i-- {
		out = append(out, *q.txs[q.ids[i]])
	}
	q.mu.Unlock()
	writeJSON(w, out)
}

// rreqs is what the DS received: every RReq, or with ?acsTransID= one
// transaction's (refused ones included, each with the status answered).
func (q *Requestor) rreqs(w http.ResponseWriter, r *http.Request) {
	all := q.RReqs.All()
	if id := r.URL.Query().Get("acsTransID"); id != "" {
		all = slices.DeleteFunc(all, func(x Received) bool { return x.RReq.ACSTransID != id })
	}
	if all == nil {
		all = []Received{}
	}
	writeJSON(w, all)
}

// dsMode switches the RReq receiver: {"mode": "up" | "down" | "500"}.
func (q *Requestor) dsMode(w http.ResponseWriter, r *http.Request) {
	var in struct{ Mode string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	m, err := ParseMode(in.Mode)
	if err == nil {
		err = q.RReqs.SetMode(m)
	}
	if err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, map[string]string{"mode": m.String()})
}

// ParseMode reads a Mode's name.
func ParseMode(s string) (Mode, error) {
	for _, m := range []Mode{Up, Down, Fail} {
		if m.String() == s {
			return m, nil
		}
	}
	return Up, fmt.Errorf("dssim: mode %q: want up, down or 500", s)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil && !errors.Is(err, net.ErrClosed) {
		slog.Warn("dssim: write JSON", "err", err)
	}
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// Origin checks s is an origin (scheme://host[:port]) and returns it
// without a trailing slash.
func Origin(s string) (string, error) {
	s = strings.TrimRight(s, "/")
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.Scheme+"://"+u.Host != s {
		return "", fmt.Errorf("dssim: %q is not an origin like http://localhost:8088", s)
	}
	return s, nil
}
