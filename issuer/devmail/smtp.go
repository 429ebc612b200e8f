package devmail

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Defaults for SMTPConfig. The size limit is far above any code email yet
// keeps a runaway test from filling memory; the timeouts let a stuck client
// go without holding a connection forever.
const (
	DefaultMaxMessageBytes = 10 << 20
	DefaultReadTimeout     = 60 * time.Second
	DefaultWriteTimeout    = 30 * time.Second
	maxRecipients          = 100
)

// SMTPConfig configures an SMTPServer. The zero value is a plain-text sink
// that takes any credentials and the default limits.
type SMTPConfig struct {
	// MaxMessageBytes caps DATA; bigger messages get 552. Default 10 MiB.
	MaxMessageBytes int64
	// ReadTimeout bounds each command and the whole DATA transfer;
	// WriteTimeout bounds each reply.
	ReadTimeout, WriteTimeout time.Duration
	// Domain is the name in the greeting. Default "localhost".
	Domain string
	// TLSConfig, when set, makes the server offer STARTTLS. For implicit
	// TLS (port 465 style) wrap the listener with tls.NewListener instead.
	// Only tests need this: it lets them exercise the sender's TLS modes.
	TLSConfig *tls.Config
	// Auth, when set, checks AUTH PLAIN credentials and makes AUTH
	// mandatory before MAIL. When nil any credentials are accepted and
	// AUTH is optional, so a production-like sender config (with a user
	// name) works unchanged against the sink.
	Auth func(username, password string) error
	// Logger receives one line per stored message and server errors.
	// Default slog.Default().
	Logger *slog.Logger
}

// SMTPServer is the receiving side of the sink: every message it accepts is
// parsed and added to its Store.
type SMTPServer struct {
	srv   *smtp.Server
	store *Store
	auth  func(username, password string) error
	log   *slog.Logger

	// go-smtp only learns of a listener once its Serve runs, so a Shutdown
	// racing a just-started Serve would leave it accepting forever. The
	// wrapper tracks listeners itself to close that gap.
	mu     sync.Mutex
	closed bool
	lns    []net.Listener

	// inMail counts the sessions inside a mail transaction (MAIL until
	// the message is stored or reset), the ones Shutdown waits for.
	inMail atomic.Int64
}

// NewSMTPServer returns a server that stores accepted messages in store.
// Call Serve with a listener to start it.
func NewSMTPServer(store *Store, cfg SMTPConfig) *SMTPServer {
	s := &SMTPServer{store: store, auth: cfg.Auth, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = cmp.Or(cfg.Domain, "localhost")
	srv.MaxMessageBytes = cmp.Or(cfg.MaxMessageBytes, DefaultMaxMessageBytes)
	srv.ReadTimeout = cmp.Or(cfg.ReadTimeout, DefaultReadTimeout)
	srv.WriteTimeout = cmp.Or(cfg.WriteTimeout, DefaultWriteTimeout)
	srv.MaxRecipients = maxRecipients
	srv.TLSConfig = cfg.TLSConfig
	// The sink belongs on loopback, where clients under test must be able
	// to authenticate without TLS just as they may against a real
	// submission server on localhost.
	srv.AllowInsecureAuth = true
	srv.ErrorLog = errorLog{s.log}
	s.srv = srv
	return s
}

// Serve accepts connections on ln until Shutdown or Close; it then returns
// nil. Any other return is a listener failure.
func (s *SMTPServer) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	s.lns = append(s.lns, ln)
	s.mu.Unlock()
	if err := s.srv.Serve(ln); err != nil && !s.isClosed() {
		return fmt.Errorf("devmail: serve smtp: %w", err)
	}
	return nil
}

// Shutdown stops accepting connections, waits for the sessions inside a
// mail transaction to finish it (or ctx to expire), then drops every
// session, as a real server's stop does. Waiting for all sessions to end
// would let a client that keeps its sessions open between messages (the
// issuer's Mailer does) hold the shutdown for its whole timeout.
func (s *SMTPServer) Shutdown(ctx context.Context) error {
	s.closeListeners()
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for s.inMail.Load() > 0 {
		select {
		case <-ctx.Done():
			return errors.Join(fmt.Errorf("devmail: shutdown smtp: %w", ctx.Err()), s.Close())
		case <-t.C:
		}
	}
	return s.Close()
}

// Close stops the server and drops open connections at once.
func (s *SMTPServer) Close() error {
	s.closeListeners()
	if err := s.srv.Close(); err != nil && !ignorable(err) {
		return fmt.Errorf("devmail: close smtp: %w", err)
	}
	return nil
}

// ignorable reports errors that only say the server was already stopped.
func ignorable(err error) bool {
	return errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed)
}

func (s *SMTPServer) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// closeListeners marks the server closed and closes every listener handed
// to Serve. go-smtp closes them too; closing twice is harmless.
func (s *SMTPServer) closeListeners() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, ln := range s.lns {
		ln.Close()
	}
}

func (s *SMTPServer) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{srv: s}, nil
}

// session is one SMTP connection's transaction state.
type session struct {
	srv    *SMTPServer
	authed bool
	inMail bool // counted in srv.inMail
	from   string
	to     []string
}

// mailing marks the session inside a mail transaction or out of it.
func (s *session) mailing(on bool) {
	if s.inMail == on {
		return
	}
	s.inMail = on
	if on {
		s.srv.inMail.Add(1)
	} else {
		s.srv.inMail.Add(-1)
	}
}

var _ smtp.AuthSession = (*session)(nil)

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if identity != "" && identity != username {
			return smtp.ErrAuthFailed
		}
		if s.srv.auth != nil {
			if err := s.srv.auth(username, password); err != nil {
				return smtp.ErrAuthFailed
			}
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.auth != nil && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	s.to = nil
	s.mailing(true)
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	defer s.mailing(false)
	// r reports smtp.ErrDataTooLarge past MaxMessageBytes; returning it
	// unwrapped lets go-smtp answer 552 instead of a generic 554.
	raw, err := io.ReadAll(r)
	if err != nil {
		var smtpErr *smtp.SMTPError
		if errors.As(err, &smtpErr) {
			return smtpErr
		}
		return fmt.Errorf("devmail: read data: %w", err)
	}
	p := parse(raw)
	from := p.from
	if from == "" {
		from = s.from
	}
	m := s.srv.store.Add(Message{
		From:    from,
		To:      s.to,
		Subject: p.subject,
		Text:    p.text,
		HTML:    p.html,
	})
	s.srv.log.Info("devmail: message stored", "id", m.ID, "from", m.From, "to", m.To, "subject", m.Subject, "bytes", len(raw))
	return nil
}

func (s *session) Reset() {
	s.from = ""
	s.to = nil
	s.mailing(false)
}

func (s *session) Logout() error {
	s.mailing(false)
	return nil
}

// errorLog adapts slog to go-smtp's Printf-style logger.
type errorLog struct{ l *slog.Logger }

func (e errorLog) Printf(format string, v ...any) {
	e.l.Warn("devmail: smtp: " + fmt.Sprintf(format, v...))
}
func (e errorLog) Println(v ...any) { e.l.Warn("devmail: smtp: " + fmt.Sprint(v...)) }
