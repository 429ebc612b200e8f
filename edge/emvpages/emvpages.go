// Package emvpages is the ACS's side of the EMV 3-D Secure browser flow at
// the edge: the pages the cardholder's browser loads from the acsURL and
// the 3DS Method URL, inside the 3DS Requestor's frames.
//
//	POST /3ds/v2/creq           form creq [+ threeDSSessionData]: the issuer opens the challenge
//	                            (303 to /challenge?st=..&sd=..), or says it cannot go on (a page
//	                            posting its message as cres to the notificationURL); a CReq that does
//	                            not parse, or that names no transaction the issuer knows: 400, a page
//	                            naming the Erro, nothing posted
//	POST /3ds/v2/cres           form st, sd, end (the challenge client's end): the final CRes, from
//	                            the ledger's outcome, posted to the session's notificationURL
//	POST /3ds/v2/method         form threeDSMethodData: the page that runs the challenge client in
//	                            method mode, then posts the notification
//	POST /3ds/v2/method/device  JSON {method_token, device} from that page's client: to the issuer (with
//	                            the device cookie, edge/devicecookie), 204
//
// The challenge itself is the merchant flow's (edge/api, edge/assets) on a
// session token whose claims carry the transaction's EMV part
// (challenge.EMVSession); what differs is its end, here: the outcome comes
// from the edge's ledger, never from the browser, and an authentication
// still without one is ended N first (api.Handler.Conclude), its report
// queued like every outcome's.
//
// Like edge/api it holds no state and starts no goroutines: the same
// handler runs natively and inside Workers.
package emvpages

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/assets"
	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/devicecookie"
	"github.com/honnin/honnin/edge/emv3ds"
	"github.com/honnin/honnin/edge/issuerclient"
	"github.com/honnin/honnin/edge/jsonapi"
)

// Issuer is the issuer's internal API, the EMV calls (edge/issuerclient).
type Issuer interface {
	// EMVChallenge opens the challenge of acsTransID for a CReq; a
	// transaction the issuer does not know is an *issuerclient.Error 404.
	EMVChallenge(ctx context.Context, acsTransID string, req contract.EMVChallengeRequest) (contract.EMVChallengeResponse, error)
	// EMVMethod hands over the 3DS Method's device data.
	EMVMethod(ctx context.Context, threeDSServerTransID string, req contract.EMVMethodRequest) error
}

// Results gives an authentication its one result (edge/api's Handler).
type Results interface {
	// Conclude returns authID's result, ending it first with N and reason
	// (cardholder_cancelled, timed_out) when it has none, as /v1/cancel
	// does: result token for origin, ledger, queued report.
	Conclude(ctx context.Context, authID, origin, reason string) (contract.Result, error)
}

// Config is what New needs; all but Signals, Now and Log are required.
type Config struct {
	// Keys: Issuer verifies session tokens, Sign signs the method tokens.
	Keys    challenge.EdgeKeys
	Issuer  Issuer
	Results Results
	// Client names the challenge client's files, which the 3DS Method
	// page runs (edge/assets).
	Client assets.ClientPaths
	// Signals says who a request's client is (as edge/api's); nil means
	// the connection's peer address only.
	Signals func(*http.Request) contract.EdgeSignals
	Now     func() time.Time
	Log     *slog.Logger
}

// Handler serves the EMV pages. Make one with New.
type Handler struct {
	cfg    Config
	method challenge.Verifier // the edge's own method tokens
	mux    *http.ServeMux
}

// Lifetimes and leeways.
const (
	// methodTokenLifetime bounds the method page's token: the page posts
	// its device data within seconds, or never.
	methodTokenLifetime = 10 * time.Minute
	// cresGrace is how long past its expiry a session token still ends its
	// challenge at /3ds/v2/cres: the client posts the end when the
	// challenge runs out, which may be after the session token's expiry,
	// and the requestor must still get its final CRes.
	cresGrace = 2 * time.Minute
)

// New returns the handler of the EMV pages.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Keys.Issuer == nil || cfg.Keys.Sign.Private == nil:
		return nil, errors.New("emvpages: incomplete edge keys")
	case cfg.Issuer == nil || cfg.Results == nil:
		return nil, errors.New("emvpages: Issuer and Results are required")
	case cfg.Client.Wasm == "" || cfg.Client.WasmExec == "" || cfg.Client.Loader == "":
		return nil, errors.New("emvpages: the client's paths are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Signals == nil {
		cfg.Signals = func(r *http.Request) contract.EdgeSignals { return contract.EdgeSignals{IP: peerIP(r)} }
	}
	h := &Handler{cfg: cfg, mux: http.NewServeMux()}
	h.method = challenge.Verifier{Keys: challenge.NewKeySet(cfg.Keys.Sign.PublicKeys()...), Issuer: challenge.EdgeName,
		Audience: challenge.EdgeName, MaxLifetime: methodTokenLifetime, Now: cfg.Now}
	h.mux.Handle(contract.EMVCReqPath, post(h.creq))
	h.mux.Handle(contract.EMVCResPath, post(h.cres))
	h.mux.Handle(contract.EMVMethodURLPath, post(h.methodPage))
	h.mux.Handle(contract.EMVMethodDevicePath, jsonapi.Handle(cfg.Log, h.methodDevice))
	return h, nil
}

// ServeHTTP serves the EMV pages.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// post accepts only a POST of a form (application/x-www-form-urlencoded,
// what a browser's form sends), at most maxForm bytes, and passes on its
// fields: the body's only, never the query string's.
func post(fn func(http.ResponseWriter, *http.Request, url.Values)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			write(w, http.StatusMethodNotAllowed, errorCSP, messagePage("この操作はできません。", "Method not allowed."))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			write(w, http.StatusBadRequest, errorCSP, messagePage("送られたフォームを読めませんでした。", "The form could not be read."))
			return
		}
		fn(w, r, r.PostForm)
	})
}

// creq opens the challenge of a CReq.
func (h *Handler) creq(w http.ResponseWriter, r *http.Request, f url.Values) {
	ctx := r.Context()
	c, e := readCReq(f)
	if e != nil {
		write(w, http.StatusBadRequest, errorCSP, erroPage(e))
		return
	}
	q := c.CReq
	out, err := h.cfg.Issuer.EMVChallenge(ctx, q.ACSTransID, contract.EMVChallengeRequest{
		ThreeDSServerTransID: q.ThreeDSServerTransID, MessageVersion: q.MessageVersion, ChallengeWindowSize: q.ChallengeWindowSize})
	if err != nil {
		var ie *issuerclient.Error
		if errors.As(err, &ie) && ie.Status == http.StatusNotFound {
			e := emv3ds.Refuse(emv3ds.TypeCReq, q.MessageVersion, emv3ds.ErrTransactionUnknown, "acsTransID")
			e.ThreeDSServerTransID, e.ACSTransID = q.ThreeDSServerTransID, q.ACSTransID
			write(w, http.StatusBadRequest, errorCSP, erroPage(e))
			return
		}
		h.cfg.Log.WarnContext(ctx, "emvpages: issuer EMV challenge failed", "ati", q.ACSTransID, "err", err)
		h.unavailable(w)
		return
	}
	switch {
	case out.SessionToken != "":
		if err := h.opened(out.SessionToken, q); err != nil {
			h.cfg.Log.ErrorContext(ctx, "emvpages: issuer's session token unusable", "ati", q.ACSTransID, "err", err)
			h.unavailable(w)
			return
		}
		v := url.Values{fieldST: {out.SessionToken}}
		if c.SessionData != "" {
			v.Set(fieldSD, c.SessionData)
		}
		hdr := w.Header()
		hdr.Set("Location", "/challenge?"+v.Encode())
		hdr.Set("Cache-Control", "no-store")
		hdr.Set("Referrer-Policy", "no-referrer")
		w.WriteHeader(http.StatusSeeOther)
	case out.Message != "" && out.NotificationURL != "":
		o, err := notificationOrigin(out.NotificationURL)
		if err != nil || len(out.Message) > maxMessage || !base64URL(out.Message) {
			h.cfg.Log.ErrorContext(ctx, "emvpages: issuer's message unusable", "ati", q.ACSTransID, "err", err)
			h.unavailable(w)
			return
		}
		fields := []field{{fieldCRes, out.Message}}
		if c.SessionData != "" {
			fields = append(fields, field{fieldSessionData, c.SessionData})
		}
		write(w, http.StatusOK, postCSP(o), postPage(out.NotificationURL, fields...))
	default:
		h.cfg.Log.ErrorContext(ctx, "emvpages: issuer answered a CReq with neither session nor message", "ati", q.ACSTransID)
		h.unavailable(w)
	}
}

// opened checks the session token the issuer opened a CReq's challenge
// with: the issuer's, an EMV session, of the CReq's transaction.
func (h *Handler) opened(token string, q emv3ds.CReq) error {
	var s challenge.SessionClaims
	if err := h.sessions(h.cfg.Now()).Verify(token, challenge.TypSession, &s); err != nil {
		return err
	}
	if s.EMV == nil || s.EMV.ACSTransID != q.ACSTransID || s.EMV.ThreeDSServerTransID != q.ThreeDSServerTransID {
		return errors.New("not the EMV session of the CReq's transaction")
	}
	return nil
}

// sessions verifies the issuer's session tokens as of now.
func (h *Handler) sessions(now time.Time) challenge.Verifier {
	return challenge.Verifier{Keys: h.cfg.Keys.Issuer, Issuer: challenge.IssuerName, Audience: challenge.EdgeName,
		Now: func() time.Time { return now }}
}

func (h *Handler) unavailable(w http.ResponseWriter) {
	write(w, http.StatusBadGateway, errorCSP, messagePage("カード発行会社に接続できません。しばらくしてからもう一度お試しください。",
		"The card issuer cannot be reached. Try again in a moment."))
}

// cres ends an EMV challenge: the final CRes says what the ledger holds.
func (h *Handler) cres(w http.ResponseWriter, r *http.Request, f url.Values) {
	ctx := r.Context()
	c, err := readCRes(f)
	if err != nil {
		write(w, http.StatusBadRequest, errorCSP, messagePage("送られたフォームを読めませんでした。", "The form could not be read: "+err.Error()))
		return
	}
	var s challenge.SessionClaims
	now := h.cfg.Now()
	err = h.sessions(now).Verify(c.ST, challenge.TypSession, &s)
	if errors.Is(err, challenge.ErrExpired) {
		// The challenge's own timeout ends here after the session token's
		// expiry: it still counts for cresGrace.
		s = challenge.SessionClaims{}
		err = h.sessions(now.Add(-cresGrace)).Verify(c.ST, challenge.TypSession, &s)
	}
	switch {
	case errors.Is(err, challenge.ErrExpired):
		write(w, http.StatusGone, errorCSP, messagePage("この認証は有効期限が切れています。", "This authentication has expired."))
		return
	case err != nil:
		write(w, http.StatusUnauthorized, errorCSP, messagePage("この認証は無効です。", "This authentication is not valid."))
		return
	case s.EMV == nil:
		write(w, http.StatusBadRequest, errorCSP, messagePage("この認証は EMV 3-D Secure のものではありません。",
			"This authentication is not an EMV 3-D Secure one."))
		return
	}
	o, err := notificationOrigin(s.EMV.NotificationURL)
	if err != nil {
		h.cfg.Log.ErrorContext(ctx, "emvpages: session's notificationURL unusable", "auth", s.Subject, "err", err)
		h.unavailable(w)
		return
	}
	res, err := h.cfg.Results.Conclude(ctx, s.Subject, s.MerchantOrigin, c.Reason)
	if err != nil {
		h.cfg.Log.ErrorContext(ctx, "emvpages: challenge not concluded", "auth", s.Subject, "err", err)
		write(w, http.StatusInternalServerError, errorCSP, messagePage("結果を記録できませんでした。もう一度お試しください。",
			"The result could not be recorded. Try again."))
		return
	}
	status := emv3ds.StatusN
	if res.Status == contract.StatusAuthenticated {
		status = emv3ds.StatusY
	}
	cres, err := emv3ds.Encode(emv3ds.CRes{MessageType: emv3ds.TypeCRes, MessageVersion: s.EMV.MessageVersion,
		ThreeDSServerTransID: s.EMV.ThreeDSServerTransID, ACSTransID: s.EMV.ACSTransID, ChallengeCompletionInd: "Y",
		TransStatus: status})
	if err != nil {
		h.cfg.Log.ErrorContext(ctx, "emvpages: CRes", "auth", s.Subject, "err", err)
		h.unavailable(w)
		return
	}
	fields := []field{{fieldCRes, cres}}
	if c.SD != "" {
		fields = append(fields, field{fieldSessionData, c.SD})
	}
	write(w, http.StatusOK, postCSP(o), postPage(s.EMV.NotificationURL, fields...))
}

// methodPage answers the 3DS Method URL: the page that collects the device
// data and notifies the requestor.
func (h *Handler) methodPage(w http.ResponseWriter, r *http.Request, f url.Values) {
	m, err := readMethod(f)
	if err != nil {
		write(w, http.StatusBadRequest, errorCSP, messagePage("送られたフォームを読めませんでした。", "The form could not be read: "+err.Error()))
		return
	}
	sti := m.Data.ThreeDSServerTransID
	now := h.cfg.Now()
	token, err := challenge.Sign(h.cfg.Keys.Sign, challenge.TypMethod, &challenge.EdgeClaims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer: challenge.EdgeName, Audience: jwt.ClaimStrings{challenge.EdgeName}, Subject: sti, ID: challenge.NewID(),
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(methodTokenLifetime)),
	}})
	if err != nil {
		h.cfg.Log.ErrorContext(r.Context(), "emvpages: method token", "err", err)
		h.unavailable(w)
		return
	}
	data, err := emv3ds.Encode(emv3ds.MethodData{ThreeDSServerTransID: sti})
	if err != nil {
		h.cfg.Log.ErrorContext(r.Context(), "emvpages: method data", "err", err)
		h.unavailable(w)
		return
	}
	write(w, http.StatusOK, methodCSP(m.Origin), methodPage(h.cfg.Client, token, m.Data.ThreeDSMethodNotificationURL, field{fieldMethodData, data}))
}

// methodDeviceRequest is the contract's body, with its check.
type methodDeviceRequest contract.EMVMethodDeviceRequest

// methodDevice takes the method page's device data to the issuer.
func (h *Handler) methodDevice(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return jsonapi.Errorf(http.StatusMethodNotAllowed, "method_not_allowed", "use POST")
	}
	var req methodDeviceRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	if req.MethodToken == "" || req.Device == nil {
		return jsonapi.BadRequest("method_token and device are required")
	}
	if err := req.Device.Validate(); err != nil {
		return jsonapi.BadRequest("device: %v", err)
	}
	var c challenge.EdgeClaims
	if err := h.method.Verify(req.MethodToken, challenge.TypMethod, &c); err != nil || c.Subject == "" {
		if errors.Is(err, challenge.ErrExpired) {
			return jsonapi.Errorf(http.StatusGone, contract.CodeExpired, "the token has expired")
		}
		return jsonapi.Errorf(http.StatusUnauthorized, contract.CodeInvalidToken, "the token is not valid")
	}
	ctx := r.Context()
	sig := h.cfg.Signals(r)
	if err := sig.Validate(); err != nil {
		h.cfg.Log.WarnContext(ctx, "emvpages: edge signals out of bounds", "err", err)
		sig = contract.EdgeSignals{IP: peerIP(r)}
	}
	// The device cookie of this requestor's site, unread, as edge/api
	// passes it on a start. The issuer answers a method with no cookie to
	// set: it mints one at the challenge's start.
	sig.DeviceCookie = devicecookie.Read(r)
	if err := h.cfg.Issuer.EMVMethod(ctx, c.Subject, contract.EMVMethodRequest{Device: req.Device, Edge: &sig}); err != nil {
		h.cfg.Log.WarnContext(ctx, "emvpages: issuer EMV method failed", "sti", c.Subject, "err", err)
		return jsonapi.Errorf(http.StatusBadGateway, contract.CodeIssuerUnavailable, "the card issuer cannot be reached")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// peerIP is the address of the connection's peer: the default when no
// Signals function is configured.
func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
