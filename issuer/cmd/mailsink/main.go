// Command mailsink is the development mail sink: an SMTP server that keeps
// every message it receives in memory and an inbox to read them, so that
// `make run` and the e2e tests can send real one-time code emails without a
// mail account. Nothing is relayed. It listens on loopback by default; do
// not expose it.
//
//	mailsink [-smtp 127.0.0.1:1025] [-http 127.0.0.1:8025]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/honnin/honnin/issuer/devmail"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log, os.Args[1:]); err != nil {
		log.Error("mailsink failed", "err", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("mailsink", flag.ContinueOnError)
	smtpAddr := fs.String("smtp", "127.0.0.1:1025", "SMTP listen address")
	httpAddr := fs.String("http", "127.0.0.1:8025", "inbox (HTTP) listen address")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}

	// Listen before serving so a taken port fails the start loudly instead
	// of leaving a half-running sink that tests would wait on.
	smtpLn, err := net.Listen("tcp", *smtpAddr)
	if err != nil {
		return fmt.Errorf("listen smtp on %s (is another mail sink running?): %w", *smtpAddr, err)
	}
	httpLn, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		smtpLn.Close()
		return fmt.Errorf("listen inbox on %s (is another mail sink running?): %w", *httpAddr, err)
	}

	store := devmail.NewStore(devmail.DefaultMaxMessages)
	smtpSrv := devmail.NewSMTPServer(store, devmail.SMTPConfig{Logger: log})
	httpSrv := &http.Server{
		Handler:           devmail.NewInbox(store, log),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	errc := make(chan error, 2)
	go func() { errc <- smtpSrv.Serve(smtpLn) }()
	go func() {
		if err := httpSrv.Serve(httpLn); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("serve inbox: %w", err)
			return
		}
		errc <- nil
	}()
	log.Info("mail sink ready", "smtp", smtpLn.Addr().String(), "inbox", "http://"+httpLn.Addr().String()+"/")

	pending := 2 // results still to come on errc
	var serveErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case serveErr = <-errc:
		// A server stopped on its own: that is a failure; stop the other.
		pending--
		if serveErr == nil {
			serveErr = errors.New("a server stopped unexpectedly")
		}
	}
	stop() // a second signal now kills the process the default way

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = errors.Join(serveErr, httpSrv.Shutdown(shutdownCtx), smtpSrv.Shutdown(shutdownCtx))
	for ; pending > 0; pending-- {
		err = errors.Join(err, <-errc)
	}
	return err
}
