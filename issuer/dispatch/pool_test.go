package dispatch

import (
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"

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
	hung   chan struct{} // closed when a read hung
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
// returned channel closes when that happened.
func (t *tap) hang(cmd string) <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.hangOn, t.hung = cmd, make(chan struct{})
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
		close(hung)
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
