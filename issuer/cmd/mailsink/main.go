// Command mailsink is the development mail and SMS sink: an SMTP server and
// two SMS endpoints that keep every message they receive in memory, and an
// inbox to read them, so that `make run` and the e2e tests can send real
// one-time code emails and text messages without a mail account or an SMS
// provider. Nothing is relayed. It listens on loopback by default; do not
// expose it.
//
//	mailsink [-smtp 127.0.0.1:1025] [-http 127.0.0.1:8025]
//	         [-twilio-sid AC00000000000000000000000000000000] [-twilio-token dev-twilio-token]
//	         [-sms-webhook-secret dev-sms-webhook-secret]
//
// SMS arrive as the issuer sends them (issuer/sms): Twilio's Messages API at
// base URL http://127.0.0.1:8025/twilio (basic auth -twilio-sid and
// -twilio-token; the defaults above are for development only), and the
// signed JSON webhook at http://127.0.0.1:8025/sms/webhook (signed with
// -sms-webhook-secret). An empty SID, token or secret turns that endpoint
// off. Read them at /api/sms?to=NUMBER or in the inbox page.
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

// Development defaults for the SMS endpoints' credentials: the issuer's dev
// configuration uses the same values.
const (
	DevTwilioSID        = "AC00000000000000000000000000000000"
	DevTwilioToken      = "dev-twilio-token"
	DevSMSWebhookSecret = "dev-sms-webhook-secret"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop) // after the first signal, a second kills the process the default way
	if err := run(ctx, log, os.Args[1:], nil); err != nil {
		log.Error("mailsink failed", "err", err)
		os.Exit(1)
	}
}

// run serves until ctx ends. ready, if not nil, is told the bound
// addresses once both listeners are up (tests listen on port 0).
func run(ctx context.Context, log *slog.Logger, args []string, ready func(smtp, http net.Addr)) error {
	fs := flag.NewFlagSet("mailsink", flag.ContinueOnError)
	smtpAddr := fs.String("smtp", "127.0.0.1:1025", "SMTP listen address")
	httpAddr := fs.String("http", "127.0.0.1:8025", "inbox (HTTP) listen address; also takes SMS")
	twilioSID := fs.String("twilio-sid", DevTwilioSID, "Twilio account SID the SMS endpoint /twilio/2010-04-01/Accounts/{sid}/Messages.json accepts (basic auth user); empty turns it off")
	twilioToken := fs.String("twilio-token", DevTwilioToken, "Twilio auth token it accepts (basic auth password)")
	webhookSecret := fs.String("sms-webhook-secret", DevSMSWebhookSecret, "HMAC secret the SMS webhook /sms/webhook checks X-Honnin-Signature with; empty turns it off")
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
		Handler: devmail.NewInbox(store, log, devmail.SMSConfig{
			TwilioSID: *twilioSID, TwilioToken: *twilioToken, WebhookSecret: []byte(*webhookSecret),
		}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}

	errc := make(chan error, 2)
	go func() { errc <- smtpSrv.Serve(smtpLn) }()
	go func() {
		if err := httpSrv.Serve(httpLn); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("serve inbox: %w", err)
			return
		}
		errc <- nil
	}()
	log.Info("mail sink ready", "smtp", smtpLn.Addr().String(), "inbox", "http://"+httpLn.Addr().String()+"/",
		"twilio_base_url", "http://"+httpLn.Addr().String()+"/twilio", "sms_webhook", "http://"+httpLn.Addr().String()+"/sms/webhook")
	if ready != nil {
		ready(smtpLn.Addr(), httpLn.Addr())
	}

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

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = errors.Join(serveErr, httpSrv.Shutdown(shutdownCtx), smtpSrv.Shutdown(shutdownCtx))
	for ; pending > 0; pending-- {
		err = errors.Join(err, <-errc)
	}
	return err
}
