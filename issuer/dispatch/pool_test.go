package dispatch

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer/devmail"
)

// tap is the sink's listener seen from the server side: it counts the
// connections the sink accepted and records what each client sent, so a
// test can tell how many SMTP sessions carried its mail and which commands
// each held. It can also make the server drop its sessions or hang.
type tap struct {
	net.Listener

	mu     sync.Mutex
	conns  []*tapConn
	hangOn string        // a client read holding this gets no answer, ever
	hung   chan *tapConn // receives the connection that hung
}

func (t *tap) Accept() (net.Conn, error) {
	c, err := t.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &tapConn{Conn: c, tap: t, gone: make(chan struct{}), hungUp: make(chan struct{})}
	t.mu.Lock()
	t.conns = append(t.conns, tc)
	t.mu.Unlock()
	return tc, nil
}

// accepted is the number of connections accepted so far. A send that
// returned was served on a connection already counted.
func (t *tap) accepted() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns)
}

func (t *tap) conn(i int) *tapConn {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.conns[i]
}

// drop closes every accepted connection from the server's side, as a relay
// does with sessions idle too long.
func (t *tap) drop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.conns {
		c.Close()
	}
}

// hang makes the server stop answering once a client sends cmd; the
// returned channel receives the connection this happened on.
func (t *tap) hang(cmd string) <-chan *tapConn {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.hangOn, t.hung = cmd, make(chan *tapConn, 1)
	return t.hung
}

type tapConn struct {
	net.Conn
	tap *tap

	mu   sync.Mutex
	in   strings.Builder // all the client sent; readable in plain-text sessions
	once sync.Once
	gone chan struct{} // closed when the server closed the connection
	// hungUp is closed when the client closed a connection the server
	// hung on.
	hungUp chan struct{}
}

func (c *tapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.in.Write(p[:n])
	c.mu.Unlock()
	c.tap.mu.Lock()
	hangOn, hung := c.tap.hangOn, c.tap.hung
	if hangOn != "" && strings.Contains(string(p[:n]), hangOn) {
		c.tap.hangOn = ""
	} else {
		hangOn = ""
	}
	c.tap.mu.Unlock()
	if hangOn != "" {
		hung <- c
		// Read on, never answering, until the client gives up.
		io.Copy(io.Discard, c.Conn)
		close(c.hungUp)
		return 0, io.EOF
	}
	return n, err
}

func (c *tapConn) Close() error {
	c.once.Do(func() { close(c.gone) })
	return c.Conn.Close()
}

// sent is what the client has sent on c so far.
func (c *tapConn) sent() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.in.String()
}

// codeN is a code mail with a code of its own, so a test can tell which
// send each delivered message came from.
func codeN(i int) CodeMail {
	c := codeMail("en")
	c.Code = fmt.Sprintf("%06d", 700000+i)
	return c
}

var codeRE = regexp.MustCompile(`\b7\d{5}\b`)

// deliveries counts the delivered messages by code.
func deliveries(t testing.TB, s sink) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, m := range s.store.Messages("") {
		got[codeRE.FindString(m.Text)]++
	}
	return got
}

func BenchmarkSendCode(b *testing.B) {
	run := func(b *testing.B, parallel, starttls bool) {
		cfg, mc := devmail.SMTPConfig{}, MailConfig{}
		var roots *x509.CertPool
		if starttls {
			cfg.TLSConfig, roots = selfSigned(b)
			mc.TLS = TLSStartTLS
		}
		s := startSink(b, cfg, nil)
		mc.Host, mc.Port = s.host, s.port
		m := newMailer(b, mc)
		m.rootCAs = roots
		c := codeMail("en")
		b.ReportAllocs()
		b.ResetTimer()
		if parallel {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := m.SendCode(b.Context(), c); err != nil {
						b.Error(err)
						return
					}
				}
			})
		} else {
			for b.Loop() {
				if err := m.SendCode(b.Context(), c); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(s.tap.accepted())/float64(b.N), "conns/op")
	}
	b.Run("sequential", func(b *testing.B) { run(b, false, false) })
	b.Run("parallel", func(b *testing.B) { run(b, true, false) })
	b.Run("starttls", func(b *testing.B) { run(b, false, true) })
}

// idleSessions is how many sessions m holds idle.
func idleSessions(m *Mailer) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.idle)
}

// waitClosed waits for the client to close a connection the server hung
// on. The bound only keeps a broken test from hanging.
func waitClosed(t *testing.T, c *tapConn) {
	t.Helper()
	select {
	case <-c.hungUp:
	case <-time.After(10 * time.Second):
		t.Fatal("the client never closed the connection")
	}
}

func TestSendCodeReusesSession(t *testing.T) {
	s := startSink(t, devmail.SMTPConfig{}, nil)
	m := newMailer(t, MailConfig{Host: s.host, Port: s.port})
	const n = 5
	for i := range n {
		if err := m.SendCode(t.Context(), codeN(i)); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if got := s.tap.accepted(); got != 1 {
		t.Fatalf("%d sends took %d connections, want 1", n, got)
	}
	got := deliveries(t, s)
	for i := range n {
		if c := codeN(i).Code; got[c] != 1 {
			t.Errorf("code %s delivered %d times, want 1", c, got[c])
		}
	}
	sent := s.tap.conn(0).sent()
	for cmd, want := range map[string]int{"EHLO ": 1, "MAIL FROM:": n, "DATA\r\n": n, "NOOP": 0, "RSET": 0, "QUIT": 0} {
		if got := strings.Count(sent, cmd); got != want {
			t.Errorf("session sent %q %d times, want %d", cmd, got, want)
		}
	}
}

// TestSendCodeConcurrent: many senders at once each get a session of
// their own, every code arrives exactly once, and the pool keeps its bound.
func TestSendCodeConcurrent(t *testing.T) {
	const senders, each = 16, 10
	tests := []struct {
		name     string
		maxIdle  int
		maxConns int // 0: no bound; surplus sessions are quit and redialled
	}{
		// With room for every sender's session none is ever quit, and a
		// sender dials only when all the others hold one.
		{"pool as large as the senders", senders, senders},
		{"default pool", maxIdleSessions, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSink(t, devmail.SMTPConfig{}, nil)
			m := newMailer(t, MailConfig{Host: s.host, Port: s.port})
			m.maxIdle, m.maxSent = tt.maxIdle, senders*each
			var wg sync.WaitGroup
			for g := range senders {
				wg.Go(func() {
					for i := range each {
						if err := m.SendCode(t.Context(), codeN(g*each+i)); err != nil {
							t.Errorf("sender %d send %d: %v", g, i, err)
							return
						}
					}
				})
			}
			wg.Wait()
			got := deliveries(t, s)
			if len(got) != senders*each {
				t.Errorf("%d distinct codes delivered, want %d", len(got), senders*each)
			}
			for code, n := range got {
				if n != 1 {
					t.Errorf("code %q delivered %d times", code, n)
				}
			}
			if n := s.tap.accepted(); tt.maxConns > 0 && n > tt.maxConns {
				t.Errorf("%d connections for %d concurrent senders", n, senders)
			}
			if n := idleSessions(m); n > tt.maxIdle {
				t.Errorf("%d idle sessions kept, want at most %d", n, tt.maxIdle)
			}
			t.Logf("%d sends on %d connections", senders*each, s.tap.accepted())
		})
	}
}

// TestSendCodeStaleSession: a session the server dropped while idle is
// noticed at MAIL FROM, and the code goes out once, on a new session.
func TestSendCodeStaleSession(t *testing.T) {
	s := startSink(t, devmail.SMTPConfig{}, nil)
	m := newMailer(t, MailConfig{Host: s.host, Port: s.port})
	if err := m.SendCode(t.Context(), codeN(1)); err != nil {
		t.Fatal(err)
	}
	s.tap.drop()
	if err := m.SendCode(t.Context(), codeN(2)); err != nil {
		t.Fatalf("send on a dropped session: %v", err)
	}
	if got := deliveries(t, s); len(got) != 2 || got["700001"] != 1 || got["700002"] != 1 {
		t.Fatalf("delivered codes = %v, want 700001 and 700002 once each", got)
	}
	if n := s.tap.accepted(); n != 2 {
		t.Fatalf("%d connections, want 2 (the dropped one, then a new one)", n)
	}
	// The retry is no second attempt on a live session: the new session
	// carried exactly one transaction.
	if got := strings.Count(s.tap.conn(1).sent(), "MAIL FROM:"); got != 1 {
		t.Errorf("new session sent MAIL FROM %d times, want 1", got)
	}
}

// size is the size of c's message as sent.
func size(t *testing.T, m *Mailer, c CodeMail) int {
	t.Helper()
	r, err := render(c)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := m.message(c.To, c.Locale, r)
	if err != nil {
		t.Fatal(err)
	}
	n, err := msg.WriteTo(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// TestSendCodeRefusedAfterMail: a failure once MAIL FROM was accepted is
// the caller's error, with no retry, and the session is not used again.
func TestSendCodeRefusedAfterMail(t *testing.T) {
	probe := newMailer(t, MailConfig{Host: "127.0.0.1", Port: 25})
	small, big := codeN(1), codeN(2)
	big.Merchant = strings.Repeat("店", maxMerchantRunes)
	smallSize, bigSize := size(t, probe, small), size(t, probe, big)
	if bigSize-smallSize < 500 {
		t.Fatalf("sizes %d and %d too close to tell apart", smallSize, bigSize)
	}
	// The sink takes the small mail and answers 552 to the big one's DATA.
	s := startSink(t, devmail.SMTPConfig{MaxMessageBytes: int64(smallSize+bigSize) / 2}, nil)
	m := newMailer(t, MailConfig{Host: s.host, Port: s.port})
	if err := m.SendCode(t.Context(), small); err != nil {
		t.Fatal(err)
	}
	err := m.SendCode(t.Context(), big)
	if err == nil || !strings.Contains(err.Error(), "552") {
		t.Fatalf("SendCode = %v, want a 552 error", err)
	}
	if strings.Contains(err.Error(), "taro@mail.jp") {
		t.Errorf("error shows the recipient: %v", err)
	}
	if got := strings.Count(s.tap.conn(0).sent(), "MAIL FROM:"); got != 2 || s.tap.accepted() != 1 {
		t.Fatalf("the refused mail was tried again: %d MAIL FROM, %d connections", got, s.tap.accepted())
	}
	if n := idleSessions(m); n != 0 {
		t.Fatalf("the failed session went back to the pool (%d idle)", n)
	}
	third := codeN(3)
	if err := m.SendCode(t.Context(), third); err != nil {
		t.Fatalf("send after the refusal: %v", err)
	}
	if n := s.tap.accepted(); n != 2 {
		t.Errorf("%d connections, want 2: the send after a failure needs a new session", n)
	}
	if got := deliveries(t, s); len(got) != 2 || got["700001"] != 1 || got["700003"] != 1 {
		t.Errorf("delivered codes = %v, want 700001 and 700003 once each", got)
	}
}

// TestSendCodeCancelledOnPooledSession: ctx ending mid-send on a reused
// session closes its connection at once, and the session is not pooled.
func TestSendCodeCancelledOnPooledSession(t *testing.T) {
	s := startSink(t, devmail.SMTPConfig{}, nil)
	m := newMailer(t, MailConfig{Host: s.host, Port: s.port, Timeout: time.Minute})
	if err := m.SendCode(t.Context(), codeN(1)); err != nil {
		t.Fatal(err)
	}
	hung := s.tap.hang("RCPT TO:")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- m.SendCode(ctx, codeN(2)) }()
	c := <-hung
	if c != s.tap.conn(0) {
		t.Fatal("the send did not use the pooled session")
	}
	cancel()
	// The per-step timeout is a minute: only ctx closes the connection
	// this soon.
	waitClosed(t, c)
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("SendCode = %v, want context.Canceled", err)
	}
	if n := idleSessions(m); n != 0 {
		t.Fatalf("the cancelled session went back to the pool (%d idle)", n)
	}
	if err := m.SendCode(t.Context(), codeN(3)); err != nil {
		t.Fatalf("send after the cancel: %v", err)
	}
	if n := s.tap.accepted(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
	if got := deliveries(t, s); len(got) != 2 || got["700001"] != 1 || got["700003"] != 1 {
		t.Errorf("delivered codes = %v, want 700001 and 700003 once each", got)
	}
}

// TestSessionBounds: a session idle too long, or that carried its share
// of messages, is quit rather than used.
func TestSessionBounds(t *testing.T) {
	tests := []struct {
		name     string
		idle     time.Duration // the clock moves this much between sends
		maxSent  int
		sends    int
		wantConn int
	}{
		{"just fresh enough", maxSessionIdle - time.Nanosecond, maxSessionMessages, 2, 1},
		{"idle too long", maxSessionIdle, maxSessionMessages, 2, 2},
		{"under the message cap", 0, 3, 3, 1},
		{"at the message cap", 0, 3, 4, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSink(t, devmail.SMTPConfig{}, nil)
			m := newMailer(t, MailConfig{Host: s.host, Port: s.port})
			var mu sync.Mutex
			now := time.Date(2026, 11, 22, 3, 4, 0, 0, time.UTC)
			m.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			m.maxSent = tt.maxSent
			for i := range tt.sends {
				if err := m.SendCode(t.Context(), codeN(i)); err != nil {
					t.Fatal(err)
				}
				mu.Lock()
				now = now.Add(tt.idle)
				mu.Unlock()
			}
			if n := s.tap.accepted(); n != tt.wantConn {
				t.Fatalf("%d connections, want %d", n, tt.wantConn)
			}
			if got := deliveries(t, s); len(got) != tt.sends {
				t.Fatalf("delivered %v, want %d codes", got, tt.sends)
			}
			if tt.wantConn == 1 {
				return
			}
			// Close waits for the sessions quit in the background.
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			if sent := s.tap.conn(0).sent(); !strings.HasSuffix(sent, "QUIT\r\n") {
				t.Errorf("the retired session was not quit:\n%s", sent)
			}
		})
	}
}

func TestCloseQuitsIdleSessions(t *testing.T) {
	s := startSink(t, devmail.SMTPConfig{}, nil)
	m := newMailer(t, MailConfig{Host: s.host, Port: s.port})
	if err := m.SendCode(t.Context(), codeN(1)); err != nil {
		t.Fatal(err)
	}
	if sent := s.tap.conn(0).sent(); strings.Contains(sent, "QUIT") {
		t.Fatalf("session quit before Close:\n%s", sent)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if sent := s.tap.conn(0).sent(); !strings.HasSuffix(sent, "QUIT\r\n") {
		t.Fatalf("Close did not quit the idle session:\n%s", sent)
	}
	// After Close a send still goes out, on a session of its own that is
	// quit at once.
	if err := m.SendCode(t.Context(), codeN(2)); err != nil {
		t.Fatalf("send after Close: %v", err)
	}
	if n := s.tap.accepted(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
	if sent := s.tap.conn(1).sent(); !strings.HasSuffix(sent, "QUIT\r\n") {
		t.Errorf("a send after Close left its session open:\n%s", sent)
	}
	if n := idleSessions(m); n != 0 {
		t.Errorf("%d idle sessions after Close", n)
	}
}
