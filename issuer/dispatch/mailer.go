// Package dispatch delivers one-time codes to cardholders. Mailer sends the
// code email over SMTP to whatever server the issuer configures: the dev
// sink on 127.0.0.1:1025 locally, a submission server or relay in
// production. The mail text follows the Japanese card issuers' own notices:
// code, merchant, amount and time in JST, validity, and what to do if the
// purchase is not yours.
package dispatch

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLS modes for MailConfig.TLS.
const (
	TLSNone     = "none"     // plain text; only for the dev sink or a relay on loopback
	TLSStartTLS = "starttls" // upgrade with STARTTLS, which must succeed (port 587)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
)

// DefaultMailTimeout bounds each step of an SMTP conversation when
// MailConfig.Timeout is zero; the caller's context bounds the whole.
const DefaultMailTimeout = 15 * time.Second

// MailConfig says where and how code emails are sent.
type MailConfig struct {
	Host     string
	Port     int    // 0 picks the usual port for TLS: 25, 587 or 465
	Username string // empty: no SMTP AUTH
	Password string
	From     string        // header and envelope sender, e.g. "Issuer <no-reply@issuer.example>"
	TLS      string        // TLSNone, TLSStartTLS or TLSImplicit; empty means TLSStartTLS
	Timeout  time.Duration // per SMTP step; 0 means DefaultMailTimeout
}

// Mailer sends code emails. It is safe for concurrent use.
//
// It keeps a few idle SMTP sessions (greeted, TLS'd, authenticated) and
// sends the next code on one of them: a session per code would pay a TCP
// connect, EHLO, a TLS handshake and AUTH for every one-time password, and
// mail servers are built to take many messages per session. Sessions are
// used by one sender at a time, quit when idle too long or after many
// messages, and a session the server dropped while idle is noticed at the
// first command and the code sent on a new one (nothing was delivered, so
// nothing arrives twice). Close quits the idle sessions.
type Mailer struct {
	cfg  MailConfig
	from *mail.Address

	rootCAs *x509.CertPool // nil: system roots; tests set their own CA

	// Pool bounds, set by NewMailer from the constants of the same
	// meaning; tests change them.
	now     func() time.Time
	maxIdle int           // idle sessions kept
	idleFor time.Duration // an idle session older than this is not used
	maxSent int           // messages per session

	mu       sync.Mutex
	idle     []*session // oldest first
	closed   bool
	quitting sync.WaitGroup // background QUITs
}

// NewMailer checks cfg and returns a Mailer for it. Mistakes that would
// only show at the first send (a bad From, credentials over plain text to a
// remote host) are reported here, at start-up.
func NewMailer(cfg MailConfig) (*Mailer, error) {
	bad := func(format string, a ...any) (*Mailer, error) {
		return nil, fmt.Errorf("dispatch: mail config: "+format, a...)
	}
	cfg.Host = strings.TrimSpace(cfg.Host)
	if cfg.Host == "" || (strings.ContainsAny(cfg.Host, " /:@") && net.ParseIP(cfg.Host) == nil) {
		return bad("host %q: want a host name or IP address", cfg.Host)
	}
	cfg.TLS = strings.ToLower(strings.TrimSpace(cfg.TLS))
	defaultPort := map[string]int{TLSNone: 25, TLSStartTLS: 587, TLSImplicit: 465, "": 587}
	port, ok := defaultPort[cfg.TLS]
	if !ok {
		return bad("tls %q: want %s, %s or %s", cfg.TLS, TLSNone, TLSStartTLS, TLSImplicit)
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if cfg.Port == 0 {
		cfg.Port = port
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return bad("port %d out of range", cfg.Port)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return bad("from %q: %v", cfg.From, err)
	}
	if cfg.Timeout < 0 {
		return bad("negative timeout %v", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultMailTimeout
	}
	if cfg.Password != "" && cfg.Username == "" {
		return bad("password given without a username")
	}
	// go-mail refuses PLAIN and LOGIN over plain text except to these
	// names; say so now rather than at the first code.
	if cfg.Username != "" && cfg.TLS == TLSNone && !isLocalhost(cfg.Host) {
		return bad("refusing to send SMTP credentials to %s without TLS; use starttls or tls", cfg.Host)
	}
	return &Mailer{cfg: cfg, from: from,
		now: time.Now, maxIdle: maxIdleSessions, idleFor: maxSessionIdle, maxSent: maxSessionMessages}, nil
}

func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// SendCode renders c in its locale and sends it. It returns once the mail
// server has accepted the message, or with an error: ErrInvalidCodeMail
// when c itself is wrong, and ctx's error when ctx ended first (the
// connection is closed at once then, not after the SMTP timeout). Error
// texts show the recipient masked, as MaskEmail does.
func (m *Mailer) SendCode(ctx context.Context, c CodeMail) error {
	if err := m.sendCode(ctx, c); err != nil {
		if a, perr := mail.ParseAddress(c.To); perr == nil {
			err = redactAddr(err, a.Address)
		}
		return fmt.Errorf("dispatch: send code mail: %w", err)
	}
	return nil
}

func (m *Mailer) sendCode(ctx context.Context, c CodeMail) error {
	r, err := render(c)
	if err != nil {
		return err
	}
	msg, err := m.message(c.To, c.Locale, r)
	if err != nil {
		return err
	}
	return m.send(ctx, msg)
}

// send delivers msg on a pooled session or a new one, honouring ctx
// throughout the SMTP conversation.
func (m *Mailer) send(ctx context.Context, msg *gomail.Msg) error {
	if err := context.Cause(ctx); err != nil {
		return err
	}
	s := m.take()
	reused := s != nil
	for {
		if s == nil {
			var err error
			if s, err = m.dialSession(ctx); err != nil {
				return withCause(ctx, err)
			}
		}
		err := m.transmit(ctx, s, msg)
		if err == nil {
			m.put(s)
			return nil
		}
		// A failed send leaves the session in a state not worth knowing.
		s.conn.Close()
		if msg.IsDelivered() {
			// The server accepted the message (250 after DATA); only what
			// followed failed. Reporting failure would make the caller send
			// a second code, and the first one would arrive anyway.
			return nil
		}
		if reused && context.Cause(ctx) == nil && staleSession(err) {
			// The server had dropped the idle session; nothing was sent.
			reused, s = false, nil
			continue
		}
		return withCause(ctx, err)
	}
}

// withCause puts ctx's cause in front of err when ctx ended: the closed
// connection err reports is only its consequence.
func withCause(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && !errors.Is(err, cause) {
		return fmt.Errorf("%w: %w", cause, err)
	}
	return err
}

func (m *Mailer) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: m.cfg.Host, MinVersion: tls.VersionTLS12, RootCAs: m.rootCAs}
}

// dial connects, with TLS from the first byte in implicit-TLS mode. It
// returns the *tls.Conn itself (not a wrapper) because the SMTP client
// checks for that type before it will send a password with PLAIN or LOGIN.
func (m *Mailer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	nd := &net.Dialer{}
	if m.cfg.TLS == TLSImplicit {
		return (&tls.Dialer{NetDialer: nd, Config: m.tlsConfig()}).DialContext(ctx, network, addr)
	}
	return nd.DialContext(ctx, network, addr)
}

func (m *Mailer) clientOptions(dial gomail.DialContextFunc) []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(m.cfg.Port),
		gomail.WithTimeout(m.cfg.Timeout),
		gomail.WithDialContextFunc(dial),
		gomail.WithTLSConfig(m.tlsConfig()),
		// The first command on a session, MAIL FROM, shows whether a
		// pooled session is still alive as well as a NOOP would, and a
		// dead one is then retried (see staleSession): a NOOP before each
		// message would only add a round trip.
		gomail.WithoutNoop(),
		// The 250 after DATA ends the transaction and clears the server's
		// state for it (RFC 5321, 4.1.1.4), so the next MAIL may follow at
		// once; a session whose transaction failed is never reused. RSET
		// would only add a round trip.
		gomail.WithoutRset(),
	}
	switch m.cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		// Mandatory: a server (or a man in the middle) that does not offer
		// STARTTLS gets no code mail rather than a plain-text one.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		// dial already speaks TLS; this only stops go-mail from also
		// trying STARTTLS inside it.
		opts = append(opts, gomail.WithSSL())
	}
	if m.cfg.Username != "" {
		opts = append(opts,
			gomail.WithUsername(m.cfg.Username),
			gomail.WithPassword(m.cfg.Password),
			// The first mechanism the server offers wins. PLAIN and LOGIN
			// are what submission servers universally support, and go-mail
			// sends them only inside TLS (or to localhost).
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin,
				gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1))
	}
	return opts
}

// message builds the MIME message: multipart/alternative with the text part
// first, so clients that prefer HTML show it and the rest show the text.
func (m *Mailer) message(to, locale string, r rendered) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(m.from)
	if err := msg.To(to); err != nil {
		return nil, fmt.Errorf("%w: recipient: %v", ErrInvalidCodeMail, err)
	}
	msg.Subject(r.subject)
	msg.SetDateWithValue(time.Now().In(jst))
	// A Message-ID on our own domain rather than the host name go-mail
	// would use, which in a container is a random string.
	msg.SetMessageIDWithValue(rand.Text() + "@" + m.from.Address[strings.LastIndexByte(m.from.Address, '@')+1:])
	// RFC 3834: vacation responders and ticket systems must not answer a
	// code mail; X-Auto-Response-Suppress says the same to Exchange.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetGenHeader(gomail.HeaderContentLang, locale)
	msg.SetBodyString(gomail.TypeTextPlain, r.text)
	if r.html != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, r.html)
	}
	return msg, nil
}
