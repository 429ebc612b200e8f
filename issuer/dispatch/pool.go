package dispatch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Bounds of the idle SMTP sessions a Mailer keeps (its fields of the same
// meaning start with these; tests change them).
const (
	// maxIdleSessions is how many sessions wait for the next code. A send
	// holds a session for a few round trips only, so even a busy issuer
	// seldom has more than a handful of sends in flight; a burst beyond
	// this dials afresh and the surplus sessions are quit afterwards
	// rather than held open against the relay's per-client connection
	// limit.
	maxIdleSessions = 4
	// maxSessionIdle is how long an idle session may wait and still be
	// used. Relays commonly drop idle sessions after 60 to 300 seconds;
	// staying well inside that keeps the stale-session retry rare.
	maxSessionIdle = 30 * time.Second
	// maxSessionMessages is how many messages one session carries before
	// it is quit. Some relays limit the messages per session and answer
	// the one past it with an error; this stays below the usual limits.
	maxSessionMessages = 100
)

// session is one SMTP session ready for MAIL FROM: greeted, upgraded with
// STARTTLS where configured and authenticated. One sender uses it at a
// time.
type session struct {
	// client holds the options the session was dialled with. Each session
	// has its own: go-mail's AUTH mechanism discovery writes to it.
	client *gomail.Client
	smtp   *smtp.Client
	conn   net.Conn // as dialled, beneath any STARTTLS layer

	idleSince time.Time
	sent      int  // messages accepted on this session
	broken    bool // the connection was closed under it: close, never reuse
}

// dialSession opens a session, closing its connection at once if ctx ends
// during the handshake.
func (m *Mailer) dialSession(ctx context.Context) (*session, error) {
	s := &session{}
	var stop func() bool
	dial := func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		conn, err := m.dial(dialCtx, network, addr)
		if err != nil {
			return nil, err
		}
		s.conn = conn
		// go-mail honours ctx only while dialling; afterwards it relies on
		// deadlines. Closing the connection when ctx ends makes a
		// cancelled or expired send return promptly.
		stop = context.AfterFunc(ctx, func() { conn.Close() })
		return conn, nil
	}
	client, err := gomail.NewClient(m.cfg.Host, m.clientOptions(dial)...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if stop != nil && !stop() && err == nil {
		err = context.Cause(ctx) // the handshake finished as ctx ended
	}
	if err != nil {
		if s.conn != nil {
			s.conn.Close()
		}
		return nil, fmt.Errorf("smtp dial: %w", err)
	}
	s.client, s.smtp = client, sc
	return s, nil
}

// transmit sends msg on s. go-mail extends the connection's deadline by
// the per-step timeout before MAIL FROM, so a session that waited idle
// past its last deadline works again.
func (m *Mailer) transmit(ctx context.Context, s *session, msg *gomail.Msg) error {
	stop := context.AfterFunc(ctx, func() { s.conn.Close() })
	err := s.client.SendWithSMTPClient(s.smtp, msg)
	if !stop() {
		s.broken = true
	}
	return err
}

// staleSession reports whether err, from a session that had been idle in
// the pool, shows that the server let the session go before this send:
// the first command, MAIL FROM, found the connection dead (no SMTP reply
// at all) or was answered 421, "closing the transmission channel". No
// message transaction was open then, so sending again on a new session
// cannot deliver the code twice. Any later failure may not be retried.
func staleSession(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return false
	}
	if se.Reason != gomail.ErrSMTPMailFrom && se.Reason != gomail.ErrConnCheck {
		return false
	}
	code := se.ErrorCode() // 0: the failure was not a server reply
	return code == 0 || code == 421
}

// take returns the most recently used idle session that is fresh enough,
// or nil. Taking the newest lets the older sessions age out when load
// drops.
func (m *Mailer) take() *session {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n := len(m.idle); n > 0 {
		s := m.idle[n-1]
		m.idle = m.idle[:n-1]
		if m.now().Sub(s.idleSince) < m.idleFor {
			return s
		}
		// Idle is ordered oldest first: all the rest are stale too.
		m.dropLocked(append(m.idle, s))
		m.idle = nil
	}
	return nil
}

// put returns s to the pool after a successful send, unless it is broken,
// full of messages, surplus or the Mailer is closed: then it is quit. It
// also quits idle sessions that have aged out.
func (m *Mailer) put(s *session) {
	s.sent++
	m.mu.Lock()
	now := m.now()
	stale := 0
	for stale < len(m.idle) && now.Sub(m.idle[stale].idleSince) >= m.idleFor {
		stale++
	}
	var drop []*session
	if stale > 0 {
		drop = append(drop, m.idle[:stale]...)
		m.idle = append(m.idle[:0], m.idle[stale:]...)
	}
	if s.broken || s.sent >= m.maxSent || len(m.idle) >= m.maxIdle || m.closed {
		drop = append(drop, s)
	} else {
		s.idleSince = now
		m.idle = append(m.idle, s)
	}
	closed := m.closed
	if !closed {
		m.dropLocked(drop)
	}
	m.mu.Unlock()
	if closed {
		// No goroutine may outlive Close: quit here, after the message
		// was accepted, as a Mailer without a pool would.
		for _, s := range drop {
			m.quit(s)
		}
	}
}

// dropLocked quits sessions in the background: the sender has its answer
// and need not wait for QUIT. Close waits for these.
func (m *Mailer) dropLocked(drop []*session) {
	if len(drop) == 0 {
		return
	}
	m.quitting.Add(1)
	go func() {
		defer m.quitting.Done()
		for _, s := range drop {
			m.quit(s)
		}
	}()
}

// quit ends s politely with QUIT, which the server may use to free the
// session at once, and closes the connection whatever the answer.
func (m *Mailer) quit(s *session) error {
	defer s.conn.Close()
	if s.broken {
		return nil
	}
	if err := s.smtp.UpdateDeadline(m.cfg.Timeout); err != nil {
		return err
	}
	return s.client.CloseWithSMTPClient(s.smtp)
}

// Close quits the idle SMTP sessions and waits for the sessions being quit
// in the background. A Mailer stays usable after Close, without a pool:
// each later send dials, sends and quits, so a send racing shutdown still
// goes out. The error reports sessions whose QUIT failed (the server had
// dropped them, typically); nothing needs to be done about it.
func (m *Mailer) Close() error {
	m.mu.Lock()
	idle := m.idle
	m.idle, m.closed = nil, true
	m.mu.Unlock()
	errs := make([]error, len(idle))
	var wg sync.WaitGroup
	for i, s := range idle {
		wg.Go(func() { errs[i] = m.quit(s) })
	}
	wg.Wait()
	m.quitting.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("dispatch: close mailer: %w", err)
	}
	return nil
}
