package dssim

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/honnin/honnin/edge/emv3ds"
)

// RReqPath is where the simulator takes RReqs: the issuer's -ds-url is
// https://<addr>/3ds/v2/rreq.
const RReqPath = "/3ds/v2/rreq"

// Mode is how the RReq receiver behaves, for the fault tests.
type Mode int

const (
	// Up takes every RReq and answers RRes resultsStatus 01.
	Up Mode = iota
	// Down has no listener: a connection is refused.
	Down
	// Fail answers 500 to every request (and records nothing).
	Fail
)

func (m Mode) String() string {
	switch m {
	case Up:
		return "up"
	case Down:
		return "down"
	case Fail:
		return "500"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Received is one RReq the simulator took (Up) or refused (Fail: Status
// 500, RReq as read).
type Received struct {
	At   time.Time       `json:"at"`
	Raw  json.RawMessage `json:"raw"`
	RReq emv3ds.RReq     `json:"rreq"`
	// Peer is the common name of the client certificate it came with.
	Peer string `json:"peer"`
	// Status is the HTTP status the simulator answered; RRes the body,
	// when it was one.
	Status int          `json:"status"`
	RRes   *emv3ds.RRes `json:"rres,omitempty"`
}

// Receiver is the DS's RReq door: HTTPS, a client certificate from the
// DS CA required in the handshake. It keeps every RReq for tests.
type Receiver struct {
	addr string
	tls  *tls.Config
	log  *slog.Logger

	mu       sync.Mutex
	mode     Mode
	ln       net.Listener
	srv      *http.Server
	received []Received
	changed  chan struct{} // closed and replaced on every new RReq
}

// NewReceiver listens on addr (host:port; port 0 picks one) with p's
// certificates and serves until Close.
func NewReceiver(p *PKI, addr string, log *slog.Logger) (*Receiver, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Receiver{tls: p.ServerTLS(), log: log, changed: make(chan struct{})}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dssim: RReq listener: %w", err)
	}
	r.addr = ln.Addr().String()
	r.serve(ln)
	return r, nil
}

// URL is the RReq URL to give the ACS (its -ds-url).
func (r *Receiver) URL() string { return "https://" + r.addr + RReqPath }

// Addr is the listener's address.
func (r *Receiver) Addr() string { return r.addr }

// serve starts a server on ln; r.mu is held or r is not yet shared.
func (r *Receiver) serve(ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+RReqPath, r.rreq)
	srv := &http.Server{
		Handler:           mux,
		TLSConfig:         r.tls.Clone(),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          slog.NewLogLogger(r.log.Handler(), slog.LevelDebug),
	}
	r.ln, r.srv = ln, srv
	go srv.ServeTLS(ln, "", "")
}

// SetMode switches the receiver: Down closes the listener (and its open
// connections), Up or Fail from Down listens again on the same address.
func (r *Receiver) SetMode(m Mode) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m == r.mode {
		return nil
	}
	switch {
	case m == Down:
		err := r.stop()
		if err != nil {
			return fmt.Errorf("dssim: RReq listener down: %w", err)
		}
	case r.mode == Down:
		ln, err := net.Listen("tcp", r.addr)
		if err != nil {
			return fmt.Errorf("dssim: RReq listener up again: %w", err)
		}
		r.serve(ln)
	}
	r.log.Info("dssim: RReq receiver", "mode", m)
	r.mode = m
	return nil
}

// Mode is the receiver's current mode.
func (r *Receiver) Mode() Mode {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mode
}

// Close stops the listener.
func (r *Receiver) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.srv == nil {
		return nil
	}
	err := r.stop()
	r.mode = Down
	return err
}

// stop closes the listener and the server; r.mu is held. The listener
// itself first: the server may not have taken it yet, and a connection
// must be refused from now on. Closing the server then closes the
// listener again if the server's goroutine has not yet seen it fail:
// that second close's "already closed" is no error (it failed a switch
// to Down half-way, when the server's goroutine lost the race).
func (r *Receiver) stop() error {
	err := errors.Join(ignoreClosed(r.ln.Close()), ignoreClosed(r.srv.Close()))
	r.ln, r.srv = nil, nil
	return err
}

// All is every RReq received, oldest first.
func (r *Receiver) All() []Received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Received(nil), r.received...)
}

// For is the RReqs received for one acsTransID that the simulator took
// (answered with an RRes), oldest first: a second one is a duplicate.
func (r *Receiver) For(acsTransID string) []Received {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Received
	for _, x := range r.received {
		if x.RReq.ACSTransID == acsTransID && x.RRes != nil {
			out = append(out, x)
		}
	}
	return out
}

// Attempts counts every RReq that reached the door for acsTransID,
// refused (Fail) ones included.
func (r *Receiver) Attempts(acsTransID string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, x := range r.received {
		if x.RReq.ACSTransID == acsTransID {
			n++
		}
	}
	return n
}

// Changed returns a channel closed at the next RReq.
func (r *Receiver) Changed() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.changed
}

// maxRReq bounds an RReq body.
const maxRReq = 64 << 10

func (r *Receiver) rreq(w http.ResponseWriter, req *http.Request) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxRReq))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	rec := Received{At: time.Now(), Raw: json.RawMessage(raw)}
	if req.TLS != nil && len(req.TLS.PeerCertificates) > 0 {
		rec.Peer = req.TLS.PeerCertificates[0].Subject.CommonName
	}
	if !json.Valid(raw) {
		rec.Raw = nil
	}
	parseErr := json.Unmarshal(raw, &rec.RReq)

	r.mu.Lock()
	mode := r.mode
	r.mu.Unlock()
	var body any
	switch {
	case mode == Fail:
		rec.Status = http.StatusInternalServerError
	case parseErr != nil || rec.RReq.MessageType != emv3ds.TypeRReq:
		rec.Status = http.StatusOK
		body = dsErro(rec.RReq, emv3ds.ErrInvalidMessage, "message received invalid", "not an RReq")
	case rec.RReq.ThreeDSServerTransID == "" || rec.RReq.ACSTransID == "" || rec.RReq.TransStatus == "":
		rec.Status = http.StatusOK
		body = dsErro(rec.RReq, emv3ds.ErrRequiredMissing, "required data element missing", "threeDSServerTransID, acsTransID, transStatus")
	default:
		rec.Status = http.StatusOK
		rec.RRes = &emv3ds.RRes{MessageType: emv3ds.TypeRRes, MessageVersion: rec.RReq.MessageVersion,
			ThreeDSServerTransID: rec.RReq.ThreeDSServerTransID, DSTransID: rec.RReq.DSTransID,
			ACSTransID: rec.RReq.ACSTransID, ResultsStatus: "01"}
		body = rec.RRes
	}
	r.mu.Lock()
	r.received = append(r.received, rec)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	r.log.Info("dssim: RReq", "acsTransID", rec.RReq.ACSTransID, "transStatus", rec.RReq.TransStatus,
		"challengeCancel", rec.RReq.ChallengeCancel, "answer", rec.Status, "peer", rec.Peer)

	if rec.Status != http.StatusOK {
		http.Error(w, "DS simulator in 500 mode", rec.Status)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if err := json.NewEncoder(w).Encode(body); err != nil && !errors.Is(err, net.ErrClosed) {
		r.log.Warn("dssim: RRes", "err", err)
	}
}

// dsErro is the DS's refusal of a message (errorComponent D).
func dsErro(m emv3ds.RReq, code, desc, detail string) *emv3ds.Erro {
	v := m.MessageVersion
	if !emv3ds.SupportedVersion(v) {
		v = emv3ds.V220
	}
	return &emv3ds.Erro{MessageType: emv3ds.TypeErro, MessageVersion: v,
		ThreeDSServerTransID: m.ThreeDSServerTransID, ACSTransID: m.ACSTransID, DSTransID: m.DSTransID,
		ErrorCode: code, ErrorComponent: "D", ErrorDescription: desc, ErrorDetail: detail,
		ErrorMessageType: emv3ds.TypeRReq}
}

func ignoreClosed(err error) error {
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
