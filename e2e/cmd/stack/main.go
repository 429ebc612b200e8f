// Command stack is `make run`: it starts the mail sink, the issuer, the edge
// and the demo shop on loopback (the shop on 127.0.0.1, another site than the
// edge on localhost, as a real shop is), prints where to go, and stops them
// all on Ctrl-C.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/honnin/honnin/e2e/stack"
)

func main() {
	cfg := stack.Config{Ports: stack.DefaultPorts, Log: os.Stderr}
	flag.StringVar(&cfg.Bin, "bin", "bin", "folder with the built programs")
	flag.StringVar(&cfg.Dist, "dist", "web/dist", "built wasm client")
	flag.StringVar(&cfg.State, "state", ".dev", "dev keys and databases (created on first run, kept)")
	flag.StringVar(&cfg.Edge, "edge", "native", "where the edge runs: native or workerd (make edge-build first)")
	flag.StringVar(&cfg.EdgeDir, "edge-dir", "edge", "the Workers edge's folder (wrangler.toml, build/), for -edge workerd")
	flag.StringVar(&cfg.OperatorEmail, "operator-email", "operator@issuer.example", "where the issuer mails its operator's notices (a cardholder's \"this was not me\"): the dev inbox")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := stack.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf(`
honnin is running.

  demo shop      %s
  mail inbox     %s      (the one-time codes arrive here, and the operator's notices to %s)
  issuer API     %s   (JWKS: /.well-known/jwks.json)
  portal         %s   (cardholder portal: card number + portal password + code by mail)
  edge           %s
  SMTP (dev)     %s
  3-D Secure     %s   (3DS Requestor page: the DS simulator sends the AReq to the issuer)
  ACS door       %s   (mutual TLS; certificates in %s)

Demo cards (any name, pay on the shop; the challenge asks for what is after the card):
`, s.ShopURL, s.InboxURL, cfg.OperatorEmail, s.IssuerURL, s.PortalURL, s.EdgeURL, s.SMTPAddr, s.RequestorURL, s.ACSURL, s.PKIDir)
	for _, c := range s.Cards {
		fmt.Printf("  %s  %-8s %s\n", c.Number, c.Method, howTo(c))
	}
	fmt.Printf("\nCardholder portal %s (the code arrives in the mail inbox):\n", s.PortalURL)
	for _, c := range s.Cards {
		fmt.Printf("  %s  portal password %s\n", c.Number, c.PortalPassword)
	}
	if len(s.Linked) > 0 {
		fmt.Printf("  combined login: %s are one person's; signing in with either manages both\n", strings.Join(s.Linked, " and "))
	}
	fmt.Printf("\nState (keys, databases): %s/   Ctrl-C stops everything.\n\n", cfg.State)

	select {
	case <-ctx.Done():
	case name := <-s.Exited():
		fmt.Fprintf(os.Stderr, "%s exited; stopping the rest\n", name)
		s.Stop()
		os.Exit(1)
	}
	s.Stop()
}

// howTo says how to pass a demo card's challenge.
func howTo(c stack.DemoCard) string {
	kind, value, _ := strings.Cut(c.Note, ":")
	switch kind {
	case "deny":
		return "risk deny, no screen (" + c.Note + ")"
	case "phone":
		return "the code arrives by SMS to " + value + " (shown in the inbox)"
	case "secret":
		return "app code: add secret " + value + " to an authenticator app (60 s), or: oathtool --totp -s 60 -b " + value
	case "token":
		var how []string
		for _, t := range strings.Split(value, ",") {
			serial, seed, _ := strings.Cut(t, ":")
			how = append(how, "token "+serial+": oathtool --totp -s 60 -b "+seed)
		}
		return strings.Join(how, "\n"+strings.Repeat(" ", 29))
	case "password":
		return "static password: " + value
	}
	return "code by mail to " + c.Email + " (" + c.Locale + ", in the inbox); again from the same browser, up to ¥3,000: no screen"
}
