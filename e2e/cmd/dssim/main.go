// Command dssim runs the Directory Server simulator and its 3DS Requestor
// test page (package e2e/dssim) for `make run` and the e2e suite: a test
// double of the card scheme's server, never part of a deployment.
//
//	dssim -pki DIR [-rreq 127.0.0.1:9443] [-http 127.0.0.1:8088] [-origin http://localhost:8088]
//	      [-acs https://127.0.0.1:8443/3ds/v2/areq] [-method-url http://localhost:8787/3ds/v2/method]
//	      [-demo-cards N,N]
//
// It makes the PKI in DIR when missing (the DS CA, the ACS's and the DS's
// certificates), takes RReqs over mutual TLS on -rreq, and serves the
// requestor's checkout page and JSON API on -http.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/honnin/honnin/e2e/dssim"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "dssim:", err)
		os.Exit(1)
	}
}

func run() error {
	var cfg dssim.Config
	flag.StringVar(&cfg.PKIDir, "pki", "", "folder with the DS CA and the certificates (made when missing)")
	flag.StringVar(&cfg.RReqAddr, "rreq", "127.0.0.1:9443", "the DS's RReq listener (HTTPS, client certificates required)")
	flag.StringVar(&cfg.FrontAddr, "http", "127.0.0.1:8088", "the 3DS Requestor page's listener (plain HTTP, loopback)")
	flag.StringVar(&cfg.FrontOrigin, "origin", "", "the requestor's origin as the browser sees it (default http://<-http>)")
	flag.StringVar(&cfg.ACSURL, "acs", "https://127.0.0.1:8443/3ds/v2/areq", "the ACS's AReq URL")
	flag.StringVar(&cfg.MethodURL, "method-url", "http://localhost:8787/3ds/v2/method", "the ACS's threeDSMethodURL (empty: none)")
	cards := flag.String("demo-cards", "", "comma-separated card numbers to suggest on the page")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", flag.Args())
	}
	if cfg.PKIDir == "" {
		return fmt.Errorf("-pki is required")
	}
	for _, c := range strings.Split(*cards, ",") {
		if c = strings.TrimSpace(c); c != "" {
			cfg.DemoCards = append(cfg.DemoCards, c)
		}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg.Log = log
	s, err := dssim.Start(cfg)
	if err != nil {
		return err
	}
	log.Info("dssim listening", "requestor", s.FrontURL, "rreq", s.RReqs.URL(), "acs", cfg.ACSURL,
		"method", cfg.MethodURL, "pki", cfg.PKIDir)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	signal.Stop(sig)
	log.Info("dssim shutting down")
	return s.Close()
}
