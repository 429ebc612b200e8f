// Command shop runs the demo merchant on 127.0.0.1:8080.
//
//	shop [-addr 127.0.0.1:8080] [-issuer http://127.0.0.1:8081] [-origin http://127.0.0.1:8080]
//	     [-edge http://localhost:8787] [-demo-cards 4111...,4000...] [-api-key-file FILE]
//
// The API key comes from -api-key-file (a file of mode 0600) or
// HONNIN_SHOP_API_KEY, never from the command line, which every user of
// the machine can read in the process list.
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
	"strings"
	"syscall"
	"time"

	"github.com/honnin/honnin/edge/secretfile"
	"github.com/honnin/honnin/web/shop"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "shop:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	issuer := flag.String("issuer", "http://127.0.0.1:8081", "issuer API base URL")
	// No -api-key: the command line is in every user's process list. The
	// environment is read after parsing, not as a flag's default, so -h
	// does not print the key.
	apiKeyFile := flag.String("api-key-file", "", "file holding the merchant API key at the issuer, mode 0600 (default: the key in $HONNIN_SHOP_API_KEY)")
	origin := flag.String("origin", "http://127.0.0.1:8080", "this shop's origin, as registered at the issuer for the demo merchant")
	edge := flag.String("edge", "http://localhost:8787", "edge origin that serves honnin.js and the challenge iframe")
	demoCards := flag.String("demo-cards", "", "comma-separated card numbers to suggest on the product page")
	emvRequestor := flag.String("emv-requestor", "", "origin of the dev DS simulator's 3DS Requestor page, offered as \"pay through 3-D Secure\" (empty: not offered)")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", flag.Args())
	}
	apiKey, err := readAPIKey(*apiKeyFile)
	if err != nil {
		return err
	}

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	h, err := shop.New(shop.Config{
		Issuer: *issuer, APIKey: apiKey, Origin: *origin, Edge: *edge,
		DemoCards: splitList(*demoCards), EMVRequestor: *emvRequestor, Logger: log,
	})
	if err != nil {
		return err
	}

	// Listen before serving so a taken port fails here, loudly, instead of
	// leaving a process that looks alive.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another shop already running?)", *addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("shop listening", "url", "http://"+ln.Addr().String(), "origin", *origin, "issuer", *issuer, "edge", *edge)

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	stop() // a second signal kills the process the default way
	log.Info("shop shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// readAPIKey returns the key in file (one line, surrounding space trimmed;
// the file closed to group and others) or, with no file, in
// HONNIN_SHOP_API_KEY.
func readAPIKey(file string) (string, error) {
	key, err := secretfile.Value(file, "HONNIN_SHOP_API_KEY")
	if err != nil {
		return "", fmt.Errorf("API key file: %w", err)
	}
	if key == "" {
		return "", errors.New("no API key: give -api-key-file or set HONNIN_SHOP_API_KEY")
	}
	return key, nil
}
