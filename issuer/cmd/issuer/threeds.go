package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/threeds"
)

// dsFlags configure the EMV 3-D Secure door: the listener the card
// scheme's Directory Server sends AReqs to, and where RReqs go.
type dsFlags struct {
	addr, cert, key, ca, url, ref, op *string
	attempts                          *bool
}

func addDSFlags(f *flags) dsFlags {
	return dsFlags{
		addr: f.String("ds-addr", env("HONNIN_DS_ADDR", ""), "EMV 3-D Secure: listen address for the Directory Server's AReqs (POST /3ds/v2/areq); empty: no EMV door (env HONNIN_DS_ADDR)"),
		cert: f.String("ds-cert", env("HONNIN_DS_CERT", ""), "the ACS's certificate (PEM) for the DS listener and the RReq's client side; empty: plain HTTP, on a loopback -ds-addr only (env HONNIN_DS_CERT)"),
		key:  f.String("ds-key", env("HONNIN_DS_KEY", ""), "the key of -ds-cert (PEM) (env HONNIN_DS_KEY)"),
		ca:   f.String("ds-ca", env("HONNIN_DS_CA", ""), "the DS's CA (PEM): AReq callers must present a certificate it issued, and the RReq's server too (env HONNIN_DS_CA)"),
		url:  f.String("ds-url", env("HONNIN_DS_URL", ""), "the DS's URL for RReqs (env HONNIN_DS_URL); required with -ds-addr"),
		ref:  f.String("acs-reference-number", env("HONNIN_ACS_REFERENCE_NUMBER", "HONNIN-ACS-DEV"), "acsReferenceNumber, from EMVCo's approval of the ACS (env HONNIN_ACS_REFERENCE_NUMBER)"),
		op:   f.String("acs-operator-id", env("HONNIN_ACS_OPERATOR_ID", ""), "acsOperatorID the DS assigned; empty for none (env HONNIN_ACS_OPERATOR_ID)"),
		attempts: f.Bool("emv-attempts", env("HONNIN_EMV_ATTEMPTS", "false") == "true",
			"EMV 3-D Secure attempts: a card in range but not enrolled gets A (ECI 06) instead of N (env HONNIN_EMV_ATTEMPTS)"),
	}
}

// on reports whether the EMV door is configured.
func (d dsFlags) on() bool { return *d.addr != "" }

// check finds what is wrong with the flags before anything starts.
func (d dsFlags) check() error {
	if !d.on() {
		return nil
	}
	if *d.url == "" {
		return usageError{"-ds-addr needs -ds-url: every challenge's result goes to the DS in an RReq"}
	}
	host, _, err := net.SplitHostPort(*d.addr)
	if err != nil {
		return usageError{fmt.Sprintf("-ds-addr %q: want host:port", *d.addr)}
	}
	if *d.cert == "" {
		if ip := net.ParseIP(host); !(host == "localhost" || (ip != nil && ip.IsLoopback())) {
			return usageError{"-ds-addr is not a loopback address: the DS listener needs -ds-cert, -ds-key and -ds-ca (mutual TLS)"}
		}
		return nil
	}
	if *d.key == "" || *d.ca == "" {
		return usageError{"-ds-cert needs -ds-key and -ds-ca"}
	}
	return nil
}

// start serves the DS listener and runs the RReq sender until ctx ends.
// The returned stop drains the listener and waits for the sender.
func (d dsFlags) start(ctx context.Context, core *acs.Service, edgeURL string, log *slog.Logger, stdout io.Writer) (stop func(), err error) {
	door, err := threeds.New(threeds.Config{ACS: core, EdgeURL: edgeURL, ReferenceNumber: *d.ref, OperatorID: *d.op, Log: log})
	if err != nil {
		return nil, usageError{err.Error()}
	}
	results := &threeds.Results{ACS: core, URL: *d.url, Log: log}
	var serverTLS *tls.Config
	if *d.cert != "" {
		files := threeds.TLSFiles{Cert: *d.cert, Key: *d.key, CA: *d.ca}
		if serverTLS, err = threeds.ServerTLS(files); err != nil {
			return nil, err
		}
		clientTLS, err := threeds.ClientTLS(files)
		if err != nil {
			return nil, err
		}
		results.HTTP = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig: clientTLS, DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			TLSHandshakeTimeout: 5 * time.Second, MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second,
		}}
	} else {
		results.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	ln, err := net.Listen("tcp", *d.addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s for the DS: %w", *d.addr, err)
	}
	srv := &http.Server{Handler: door, TLSConfig: serverTLS, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 15 * time.Second, IdleTimeout: 90 * time.Second, MaxHeaderBytes: 16 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		var err error
		if serverTLS != nil {
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("issuer: DS listener stopped", "err", err)
		}
	}()
	scheme := "https"
	if serverTLS == nil {
		scheme = "http"
	}
	fmt.Fprintf(stdout, "issuer: EMV 3-D Secure AReqs on %s://%s%s, RReqs to %s\n", scheme, ln.Addr(), threeds.AReqPath, *d.url)
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { results.Run(bg); close(done) }()
	return func() {
		sctx, c := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer c()
		_ = srv.Shutdown(sctx)
		cancel()
		<-done
	}, nil
}
