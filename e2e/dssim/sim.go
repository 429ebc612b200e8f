package dssim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Config is where the simulator listens and where the ACS is.
type Config struct {
	// PKIDir holds the certificates (made by MakePKI when missing).
	PKIDir string
	// RReqAddr is the DS's HTTPS listener for RReqs; FrontAddr the
	// requestor's plain HTTP one (loopback).
	RReqAddr, FrontAddr string
	// FrontOrigin is the requestor's origin as the browser sees it
	// (default http:// + FrontAddr).
	FrontOrigin string
	// ACSURL is the ACS's AReq URL (https://127.0.0.1:8443/3ds/v2/areq).
	ACSURL string
	// MethodURL is the ACS's threeDSMethodURL ("" for none).
	MethodURL string
	DemoCards []string
	Log       *slog.Logger
}

// Sim is a running simulator.
type Sim struct {
	PKI       *PKI
	DS        *Client
	RReqs     *Receiver
	Requestor *Requestor
	// FrontURL is the requestor's origin.
	FrontURL string

	front *http.Server
}

// Start makes or loads the PKI and starts both listeners.
func Start(cfg Config) (*Sim, error) {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p, err := MakePKI(cfg.PKIDir)
	if err != nil {
		return nil, err
	}
	front, err := net.Listen("tcp", cfg.FrontAddr)
	if err != nil {
		return nil, fmt.Errorf("dssim: requestor listener: %w", err)
	}
	origin := cfg.FrontOrigin
	if origin == "" {
		origin = "http://" + front.Addr().String()
	}
	if origin, err = Origin(origin); err != nil {
		front.Close()
		return nil, err
	}
	rr, err := NewReceiver(p, cfg.RReqAddr, log)
	if err != nil {
		front.Close()
		return nil, err
	}
	s := &Sim{PKI: p, RReqs: rr, FrontURL: origin, DS: NewClient(p, cfg.ACSURL, rr.URL())}
	s.Requestor = &Requestor{Origin: origin, MethodURL: cfg.MethodURL, DS: s.DS, RReqs: rr, DemoCards: cfg.DemoCards, Log: log}
	s.front = &http.Server{
		Handler:           s.Requestor.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := s.front.Serve(front); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("dssim: requestor", "err", err)
		}
	}()
	return s, nil
}

// Close stops both listeners, letting requests under way finish for up
// to 5 s.
func (s *Sim) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(s.front.Shutdown(ctx), s.RReqs.Close())
}
