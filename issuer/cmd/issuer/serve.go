package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/health"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/edge/requestid"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/api"
	"github.com/honnin/honnin/issuer/branding"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/edgepush"
	"github.com/honnin/honnin/issuer/outbox"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/passhash"
	"github.com/honnin/honnin/issuer/risk"
	"github.com/honnin/honnin/issuer/store"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("serve", "Runs the issuer API until SIGINT or SIGTERM, then drains requests and stops.\n"+
		"The database is migrated at start. The SMTP password is read from the\n"+
		"environment only (HONNIN_SMTP_PASSWORD), never from a flag.", stdout)
	addr := f.String("addr", env("HONNIN_ISSUER_ADDR", "127.0.0.1:8081"), "listen address (env HONNIN_ISSUER_ADDR)")
	db := f.String("db", env("HONNIN_ISSUER_DB", defaultDB), dbUsage)
	keysDir := f.String("keys", env("HONNIN_ISSUER_KEYS", defaultKeys), "key folder: issuer-sign.jwk and edge.jwks (env HONNIN_ISSUER_KEYS)")
	panKey := f.String("pan-key-file", env("HONNIN_PAN_KEY_FILE", defaultPANKey), "card-number key file, 32 random bytes in hex (env HONNIN_PAN_KEY_FILE)")
	smtpAddr := f.String("smtp", env("HONNIN_SMTP", "127.0.0.1:1025"), "SMTP server host:port (env HONNIN_SMTP)")
	smtpTLS := f.String("smtp-tls", env("HONNIN_SMTP_TLS", ""), "SMTP TLS: none, starttls or tls (default none on loopback, starttls elsewhere; env HONNIN_SMTP_TLS)")
	smtpUser := f.String("smtp-user", env("HONNIN_SMTP_USER", ""), "SMTP AUTH user name; empty for none (env HONNIN_SMTP_USER)")
	mailFrom := f.String("mail-from", env("HONNIN_MAIL_FROM", "honnin <no-reply@localhost>"), "From of code mails (env HONNIN_MAIL_FROM)")
	issuerName := f.String("issuer-name", env("HONNIN_ISSUER_NAME", "honnin"), "issuer name shown in code mails (env HONNIN_ISSUER_NAME)")
	issuerPhone := f.String("issuer-phone", env("HONNIN_ISSUER_PHONE", ""),
		"the issuer's phone number for cardholders, shown when a card is denied or locked; empty: none shown (env HONNIN_ISSUER_PHONE)")
	portalURL := f.String("portal-url", env("HONNIN_PORTAL_URL", ""),
		"the cardholder portal's absolute http(s) URL, shown when a card's one-time passwords are locked; empty: none shown (env HONNIN_PORTAL_URL)")
	brandFile := f.String("branding", env("HONNIN_BRANDING", ""),
		"the issuer's brand file for the challenge screen, JSON: name, phone, portal_url, logo (an image file), color, accent;\n"+
			"its parts override -issuer-name (on the screen), -issuer-phone and -portal-url; empty: none (env HONNIN_BRANDING)")
	edgeURL := f.String("edge-url", env("HONNIN_EDGE_URL", "http://127.0.0.1:8787"), "the edge's base URL, for challenge_url (env HONNIN_EDGE_URL)")
	edgeInternal := f.String("edge-internal-url", env("HONNIN_EDGE_INTERNAL_URL", ""),
		"the edge's URL for the issuer's own calls (credential locks and revocations); empty: -edge-url (env HONNIN_EDGE_INTERNAL_URL)")
	vaultKey := f.String("vault-key-file", env("HONNIN_VAULT_KEY_FILE", defaultVaultKey), "seed vault key files, comma separated, the first seals (env HONNIN_VAULT_KEY_FILE)")
	sendCap := f.Int("send-cap", limits.SendsPerDestination, "codes one email address or phone may get in 24 hours")
	unlockAfter := f.Duration("unlock-after", 0, "unlock credentials locked by wrong codes after this long (0: never; an operator unlocks)")
	hashConcurrency := f.Int("hash-concurrency", 0, "argon2id password hashes at once, 64 MiB each (0: one per core); purchase checks are served first, portal sign-ins past a short queue get 503")
	smsFlags := addSMSFlags(f)
	portalFlags := addPortalFlags(f)
	dsFlags := addDSFlags(f)
	adminFlags := addAdminFlags(f)
	pruneEvery := f.Duration("prune-every", time.Hour, "run the retention rules (as issuer prune, same flags) at start and this often; 0: never")
	retention := addRetentionFlags(f)
	clockOffset := f.Duration("clock-offset", 0, "shift the issuer's clock (tests only: the EMV 3DS timers without waiting for them)")
	avTokenFile := f.String("av-verify-token-file", env("HONNIN_AV_VERIFY_TOKEN_FILE", ""), "the authorisation host's bearer token for POST /internal/v1/av/verify; empty: that check is off (env HONNIN_AV_VERIFY_TOKEN_FILE)")
	operatorTokenFile := f.String("operator-token-file", env("HONNIN_OPERATOR_TOKEN_FILE", ""), "the operators' bearer token for GET /internal/v1/authentications/{id}/explanation; empty: that endpoint is off (env HONNIN_OPERATOR_TOKEN_FILE)")
	riskConfig := f.String("risk-config", env("HONNIN_RISK_CONFIG", ""), "risk rules and thresholds, JSON; empty for the built-in default (env HONNIN_RISK_CONFIG)")
	operatorEmail := f.String("operator-email", env("HONNIN_OPERATOR_EMAIL", ""),
		"the operator's address for fraud reports cardholders make in the portal (\"this was not me\"); empty: reports are logged only (env HONNIN_OPERATOR_EMAIL)")
	operatorLocale := f.String("operator-locale", env("HONNIN_OPERATOR_LOCALE", "en"), "language of the operator's notices: en or ja (env HONNIN_OPERATOR_LOCALE)")
	if err := f.parse(args); err != nil {
		return err
	}
	started := time.Now()
	// Every line logged with a request's context names the request.
	log := slog.New(requestid.NewLogHandler(slog.NewTextHandler(stderr, nil)))
	operator := acs.Operator{Email: *operatorEmail, Locale: *operatorLocale}
	if *operatorLocale != "en" && *operatorLocale != "ja" {
		return usageError{fmt.Sprintf("-operator-locale %q: want en or ja", *operatorLocale)}
	}
	if *portalURL != "" && !contract.ValidPortalURL(*portalURL) {
		return usageError{fmt.Sprintf("-portal-url %q: want an absolute https URL (http only on localhost)", *portalURL)}
	}
	if c := (contract.Issuer{Phone: *issuerPhone}); !c.Valid() {
		return usageError{fmt.Sprintf("-issuer-phone %q: want one line of at most %d characters", *issuerPhone, contract.IssuerPhoneMaxRunes)}
	}
	var brand contract.Issuer
	if *brandFile != "" {
		b, err := branding.Load(*brandFile)
		if err != nil {
			return usageError{fmt.Sprintf("-branding: %v", err)}
		}
		brand = b
	}
	if _, err := mail.ParseAddress(*operatorEmail); *operatorEmail != "" && err != nil {
		return usageError{fmt.Sprintf("-operator-email %q: %v", *operatorEmail, err)}
	}

	// Everything that can be wrong in the configuration is found before
	// the port is taken, so a broken start fails at once and says why.
	hasher, err := readPANKey(*panKey)
	if err != nil {
		return err
	}
	rc, err := risk.LoadConfig(*riskConfig)
	if err != nil {
		return err
	}
	engine, err := risk.New(rc)
	if err != nil {
		return err
	}
	keys, err := challenge.LoadIssuerKeys(*keysDir)
	if err != nil {
		return err
	}
	v, err := readVault(*vaultKey)
	if err != nil {
		return err
	}
	avToken, err := readAVVerifyToken(*avTokenFile)
	if err != nil {
		return err
	}
	operatorToken, err := readOperatorToken(*operatorTokenFile)
	if err != nil {
		return err
	}
	if *unlockAfter < 0 || *sendCap < 1 {
		return usageError{"-unlock-after must not be negative and -send-cap must be at least 1"}
	}
	if *pruneEvery < 0 {
		return usageError{"-prune-every must not be negative"}
	}
	rules, err := retention.retention()
	if err != nil {
		return err
	}
	if *hashConcurrency < 0 {
		return usageError{"-hash-concurrency must not be negative"}
	}
	if err := dsFlags.check(); err != nil {
		return err
	}
	if err := adminFlags.check(); err != nil {
		return err
	}
	// One hashing budget for the API's purchase checks and the portal's
	// sign-ins, so the first are served before the second.
	hashing := passhash.NewBudget(*hashConcurrency)
	smsSender, err := smsFlags.sender(log)
	if err != nil {
		return err
	}
	mailer, err := newMailer(*smtpAddr, *smtpTLS, *smtpUser, env("HONNIN_SMTP_PASSWORD", ""), *mailFrom)
	if err != nil {
		return err
	}
	// Deferred first, so it runs last: after the server drained and the
	// outbox stopped, nothing sends any more. It QUITs the idle SMTP
	// sessions the mailer keeps, rather than dropping them on the relay.
	defer func() {
		if err := mailer.Close(); err != nil {
			log.Warn("issuer: closing the mail sessions", "err", err)
		}
	}()
	st, applied, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if len(applied) > 0 {
		log.Info("issuer: migrated database", "db", store.Redact(*db), "versions", applied)
	}
	av, err := acs.AVRing{Store: st, Vault: v}.Load(ctx, time.Now())
	if err != nil {
		return err
	}
	m := newMetrics(st, started)
	// Notices go through the outbox; failed code sends are recorded there.
	notices := outbox.New(st, v, mailer, log, nil)
	notices.OnResult = m.Outbox
	if smsSender != nil {
		smsSender = notices.SMS(smsSender)
	}
	core, err := acs.New(acs.Config{Store: st, Keys: keys, PAN: hasher, Vault: v, Mail: notices, AV: av, SMS: smsSender, SendCap: *sendCap,
		EdgeURL: *edgeURL, IssuerName: *issuerName, IssuerPhone: *issuerPhone, PortalURL: *portalURL, Branding: brand, Risk: engine, Provider: risk.NewProvider(rc.Provider), Log: log, Hashing: hashing,
		Attempts: *dsFlags.attempts, Now: offsetClock(*clockOffset), Operator: operator, Observe: observer(m)})
	if err != nil {
		return err
	}
	apiHandler, err := api.New(api.Config{ACS: core, Log: log, AVVerifyToken: avToken, OperatorToken: operatorToken, OnRequest: m.Request})
	if err != nil {
		return err
	}
	handler, err := portalFlags.withPortal(apiHandler, *addr, st, hasher, v, mailer, core, smsSender, *issuerName, hashing, log)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("cannot listen on %s: the port is already in use (is another issuer running?)", *addr)
		}
		return fmt.Errorf("cannot listen on %s: %w", *addr, err)
	}
	srv := &http.Server{
		// Each request has an id (the edge's, passed on from loopback;
		// else a new one), in its log lines and its answer.
		Handler:           requestid.Handler(handler, requestid.Peers(nil)),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		// A start waits for the mail server; give it room beyond the
		// send's own bound.
		WriteTimeout:   45 * time.Second,
		IdleTimeout:    90 * time.Second,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if *unlockAfter > 0 {
		go unlockLoop(ctx, st, *unlockAfter, log)
	}
	// The outbox and the pushes to the edge stop after the server has
	// drained, before the store closes.
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	outboxDone, pushDone := make(chan struct{}), make(chan struct{})
	go func() { notices.Run(bgCtx); close(outboxDone) }()
	if *edgeInternal == "" {
		*edgeInternal = *edgeURL
	}
	pusher := &edgepush.Pusher{Store: st, Key: core.SigningKey, EdgeURL: *edgeInternal, Log: log}
	// Registered before the listening line: a SIGHUP from then on reloads.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go reloadKeysOnHangup(bgCtx, hup, *keysDir, core, log)
	go func() { pusher.Run(bgCtx); close(pushDone) }()
	pruneDone := make(chan struct{})
	if *pruneEvery > 0 {
		tick := time.NewTicker(*pruneEvery)
		defer tick.Stop()
		p := &pruner{st: st, r: rules, now: time.Now, log: log}
		go func() { p.run(bgCtx, tick.C); close(pruneDone) }()
	} else {
		close(pruneDone)
	}
	defer func() { stopBackground(); <-outboxDone; <-pushDone; <-pruneDone }()
	stopAdmin, err := adminFlags.start(ctx, []health.Check{{Name: "database", Run: st.Ready}, health.IssuerKeys(core.Keys, core.Now), dispatch.SMTPReady(*smtpAddr)}, m.Handler(), log, stdout)
	if err != nil {
		return err
	}
	defer stopAdmin()
	if dsFlags.on() {
		stopDS, err := dsFlags.start(ctx, core, *edgeURL, log, stdout)
		if err != nil {
			return err
		}
		defer stopDS()
	}
	log.Info("issuer: listening", "addr", ln.Addr().String(), "db", store.Redact(*db), "smtp", *smtpAddr, "edge", *edgeURL,
		"hash_slots", hashing.Stats().Slots)
	fmt.Fprintf(stdout, "issuer: listening on http://%s\n", ln.Addr())
	if *portalFlags.on {
		fmt.Fprintf(stdout, "issuer: cardholder portal on http://%s/portal/\n", ln.Addr())
		if operator.Email == "" {
			log.Warn("issuer: no -operator-email: fraud reports from the portal are logged only, no one is mailed")
		}
	}

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("issuer: shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// reloadKeysOnHangup reloads the key folder into core on each SIGHUP, so
// the keys `issuer keys rotate` adds (or -prune drops) are taken without a
// restart. A folder that does not load leaves the keys in use as they are.
func reloadKeysOnHangup(ctx context.Context, hup <-chan os.Signal, dir string, core *acs.Service, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		keys, err := challenge.LoadIssuerKeys(dir)
		if err == nil {
			err = core.SetKeys(keys)
		}
		if err != nil {
			log.Error("issuer: SIGHUP: keys not reloaded; the keys in use stay", "dir", dir, "err", err)
			continue
		}
		log.Info("issuer: SIGHUP: keys reloaded", "dir", dir, "kid", keys.Sign.KID)
	}
}

// offsetClock is time.Now moved by d, or nil (time.Now) for 0.
func offsetClock(d time.Duration) func() time.Time {
	if d == 0 {
		return nil
	}
	return func() time.Time { return time.Now().Add(d) }
}

// readPANKey loads the card-number key, saying how to make one if missing.
func readPANKey(path string) (*pan.Hasher, error) {
	if path == "" {
		return nil, usageError{"-pan-key-file is required"}
	}
	h, err := pan.ReadKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("card-number key file %s does not exist; create one with: issuer keys pan -out %s", path, path)
	}
	return h, err
}

func newMailer(addr, tlsMode, user, password, from string) (*dispatch.Mailer, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usageError{fmt.Sprintf("-smtp %q: want host:port", addr)}
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, usageError{fmt.Sprintf("-smtp %q: bad port", addr)}
	}
	if tlsMode == "" {
		tlsMode = dispatch.TLSStartTLS
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			tlsMode = dispatch.TLSNone
		}
	}
	// No SMTP step may take longer than a whole code send may
	// (contract.SendTimeout, which acs enforces on each code mail).
	return dispatch.NewMailer(dispatch.MailConfig{Host: host, Port: port, Username: user, Password: password,
		From: from, TLS: tlsMode, Timeout: contract.SendTimeout})
}

// unlockLoop is the optional timed unlock: once a minute, credentials
// locked by wrong codes for longer than after become usable again. Their
// failure count is kept, so one more wrong code locks them at once; only a
// right code (or an operator) clears it.
func unlockLoop(ctx context.Context, st *store.Store, after time.Duration, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			n, err := st.UnlockExpired(ctx, now.Add(-after), now)
			if err != nil {
				log.Warn("issuer: timed unlock", "err", err)
			} else if n > 0 {
				log.Info("issuer: timed unlock", "credentials", n)
			}
		}
	}
}
