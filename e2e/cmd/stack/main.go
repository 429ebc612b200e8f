// Command stack is `make run`: it starts the mail sink, the issuer, the edge
// and the demo shop on localhost, prints where to go, and stops them all on
// Ctrl-C.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
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
  mail inbox     %s      (the one-time codes arrive here)
  issuer API     %s   (JWKS: /.well-known/jwks.json)
  edge           %s
  SMTP (dev)     %s

Demo cards (any name, pay on the shop, read the code in the inbox):
`, s.ShopURL, s.InboxURL, s.IssuerURL, s.EdgeURL, s.SMTPAddr)
	for _, c := range s.Cards {
		what := "first purchase: code screen; again from the same browser, up to ¥3,000: none"
		if c.Note != "" {
			what = "risk deny, no screen (" + c.Note + ")"
		}
		fmt.Printf("  %s   %-6s %s (%s)  %s\n", c.Number, c.Method, c.Email, c.Locale, what)
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
