package dispatch

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer/devmail"
)

// sink is a devmail SMTP server on a free loopback port.
type sink struct {
	store *devmail.Store
	host  string
	port  int
	tap   *tap // the connections the sink accepted, as the server sees them
}

// startSink runs the dev mail sink for the test. With implicitTLS the
// listener speaks TLS from the first byte (port 465 style).
func startSink(t testing.TB, cfg devmail.SMTPConfig, implicitTLS *tls.Config) sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	tp := &tap{Listener: ln}
	ln = tp
	if implicitTLS != nil {
		ln = tls.NewListener(ln, implicitTLS)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	store := devmail.NewStore(0)
	srv := devmail.NewSMTPServer(store, cfg)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close sink: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("sink: %v", err)
		}
	})
	return sink{store: store, host: "127.0.0.1", port: addr.Port, tap: tp}
}

func newMailer(t testing.TB, cfg MailConfig) *Mailer {
	t.Helper()
	if cfg.From == "" {
		cfg.From = "Demo Card <no-reply@issuer.example>"
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSNone
	}
	m, err := NewMailer(cfg)
	if err != nil {
		t.Fatalf("NewMailer: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close mailer: %v", err)
		}
	})
	return m
}

// at is 2026-11-22 12:04 in Japan.
var at = time.Date(2026, 11, 22, 3, 4, 0, 0, time.UTC)

func codeMail(locale string) CodeMail {
	return CodeMail{
		To:         "taro@mail.jp",
		Locale:     locale,
		Code:       "042917",
		Merchant:   "Demo Shop",
		Amount:     1250,
		Currency:   "JPY",
		At:         at,
		IssuerName: "Demo Card",
	}
}

func only(t *testing.T, s sink) devmail.Message {
	t.Helper()
	msgs := s.store.Messages("")
	if len(msgs) != 1 {
		t.Fatalf("sink holds %d messages, want 1", len(msgs))
	}
	return msgs[0]
}

func TestSendCodeLocales(t *testing.T) {
	tests := []struct {
		locale  string
		subject string
		want    []string // in both the text and the HTML part
	}{
		{
			locale:  "en",
			subject: "Your one-time password for online shopping",
			want: []string{
				"042917", "Demo Shop", "¥1,250", "2026-11-22 12:04 (JST)", "valid for 10 minutes",
				"If you did not make this purchase, do not enter this code and contact us.", "Demo Card",
			},
		},
		{
			locale:  "ja",
			subject: "【本人認証】ワンタイムパスワードのお知らせ",
			want: []string{
				"042917", "Demo Shop", "1,250円", "2026年11月22日 12:04（日本時間）", "有効期限は10分間",
				"お心当たりのないお取引の場合は、このワンタイムパスワードを入力せず、当社までご連絡ください。", "Demo Card",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.locale, func(t *testing.T) {
			s := startSink(t, devmail.SMTPConfig{}, nil)
			m := newMailer(t, MailConfig{Host: s.host, Port: s.port})
			if err := m.SendCode(t.Context(), codeMail(tt.locale)); err != nil {
				t.Fatalf("SendCode: %v", err)
			}
			got := only(t, s)
			if got.Subject != tt.subject {
				t.Errorf("subject = %q, want %q", got.Subject, tt.subject)
			}
			if len(got.To) != 1 || got.To[0] != "taro@mail.jp" {
				t.Errorf("recipients = %q, want [taro@mail.jp]", got.To)
			}
			if got.From != "Demo Card <no-reply@issuer.example>" {
				t.Errorf("from = %q", got.From)
			}
			for _, w := range tt.want {
				if !strings.Contains(got.Text, w) {
					t.Errorf("text part lacks %q:\n%s", w, got.Text)
				}
				if !strings.Contains(got.HTML, w) {
					t.Errorf("html part lacks %q:\n%s", w, got.HTML)
				}
			}
		})
	}
}

func TestSendCodeForeignCurrency(t *testing.T) {
	s := startSink(t, devmail.SMTPConfig{}, nil)
	m := newMailer(t, MailConfig{Host: s.host, Port: s.port})
	c := codeMail("en")
	c.Amount, c.Currency = 1250, "USD"
	if err := m.SendCode(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	if got := only(t, s); !strings.Contains(got.Text, "Amount:   $12.50") {
		t.Errorf("text part lacks the USD amount:\n%s", got.Text)
	}
}

// TestSendCodeNoPurchase: an EMV non-payment authentication (no amount,
// no currency) is mailed as one, in both languages.
func TestSendCodeNoPurchase(t *testing.T) {
	for _, c := range []struct{ locale, want string }{
		{"en", "Amount:   No payment (card check)"},
		{"ja", "ご利用金額：お支払いなし（カードの確認）"},
	} {
		s := startSink(t, devmail.SMTPConfig{}, nil)
		m := newMailer(t, MailConfig{Host: s.host, Port: s.port})
		mail := codeMail(c.locale)
		mail.Amount, mail.Currency = 0, ""
		if err := m.SendCode(t.Context(), mail); err != nil {
			t.Fatal(err)
		}
		if got := only(t, s); !strings.Contains(got.Text, c.want) {
			t.Errorf("%s text part lacks %q:\n%s", c.locale, c.want, got.Text)
		}
	}
}

func TestSendCodeEscapesMerchantInHTML(t *testing.T) {
	s := startSink(t, devmail.SMTPConfig{}, nil)
	m := newMailer(t, MailConfig{Host: s.host, Port: s.port})
	c := codeMail("ja")
	c.Merchant = `<b>x</b> & "co"`
	if err := m.SendCode(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	got := only(t, s)
	if strings.Contains(got.HTML, "<b>x</b>") {
		t.Fatalf("merchant markup reached the HTML part unescaped:\n%s", got.HTML)
	}
	if !strings.Contains(got.HTML, "&lt;b&gt;x&lt;/b&gt; &amp; &#34;co&#34;") {
		t.Errorf("escaped merchant not in the HTML part:\n%s", got.HTML)
	}
	// Plain text needs no escaping: the cardholder should read the name as is.
	if !strings.Contains(got.Text, `<b>x</b> & "co"`) {
		t.Errorf("text part should show the merchant name verbatim:\n%s", got.Text)
	}
}

func TestSendCodeMerchantCannotForgeLines(t *testing.T) {
	s := startSink(t, devmail.SMTPConfig{}, nil)
	m := newMailer(t, MailConfig{Host: s.host, Port: s.port})
	c := codeMail("en")
	c.Merchant = "Shop\r\n\r\n  One-time password: 000000\u202e"
	if err := m.SendCode(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	got := only(t, s)
	for _, line := range strings.Split(got.Text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "One-time password: 000000") {
			t.Fatalf("merchant name forged a line in the text part:\n%s", got.Text)
		}
	}
	if strings.ContainsRune(got.Text, '\u202e') || strings.ContainsRune(got.HTML, '\u202e') {
		t.Error("bidi override survived")
	}
	if !strings.Contains(got.Text, "Merchant: Shop") {
		t.Errorf("merchant line missing:\n%s", got.Text)
	}
}

func TestSendCodeInvalid(t *testing.T) {
	tests := []struct {
		name   string
		change func(*CodeMail)
	}{
		{"bad recipient", func(c *CodeMail) { c.To = "not an address" }},
		{"header injection in recipient", func(c *CodeMail) { c.To = "a@mail.jp\r\nBcc: b@evil.example" }},
		{"unknown locale", func(c *CodeMail) { c.Locale = "fr" }},
		{"empty locale", func(c *CodeMail) { c.Locale = "" }},
		{"short code", func(c *CodeMail) { c.Code = "12345" }},
		{"non-digit code", func(c *CodeMail) { c.Code = "12345a" }},
		{"full-width digits", func(c *CodeMail) { c.Code = "１２３４５６" }},
		{"empty merchant", func(c *CodeMail) { c.Merchant = " \n\t" }},
		{"negative amount", func(c *CodeMail) { c.Amount = -1 }},
		{"lower-case currency", func(c *CodeMail) { c.Currency = "jpy" }},
		{"long currency", func(c *CodeMail) { c.Currency = "JPYY" }},
		{"an amount without a currency", func(c *CodeMail) { c.Currency = "" }},
		{"zero time", func(c *CodeMail) { c.At = time.Time{} }},
		{"empty issuer", func(c *CodeMail) { c.IssuerName = "" }},
	}
	s := startSink(t, devmail.SMTPConfig{}, nil)
	m := newMailer(t, MailConfig{Host: s.host, Port: s.port})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := codeMail("en")
			tt.change(&c)
			err := m.SendCode(t.Context(), c)
			if !errors.Is(err, ErrInvalidCodeMail) {
				t.Fatalf("SendCode = %v, want ErrInvalidCodeMail", err)
			}
			if !strings.HasPrefix(err.Error(), "dispatch: send code mail: ") {
				t.Errorf("error %q lacks context", err)
			}
		})
	}
	if n := s.store.Len(); n != 0 {
		t.Fatalf("%d invalid mails were sent", n)
	}
}

func TestSendCodeServerDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens on port now

	m := newMailer(t, MailConfig{Host: "127.0.0.1", Port: port})
	err = m.SendCode(t.Context(), codeMail("ja"))
	if err == nil {
		t.Fatal("SendCode succeeded with no server")
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("err = %v, want connection refused", err)
	}
	if errors.Is(err, ErrInvalidCodeMail) {
		t.Errorf("a server failure is reported as an invalid mail: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "dispatch: send code mail: ") {
		t.Errorf("error %q lacks context", err)
	}
}

// silentServer accepts connections and never says a word, like a mail
// server that hangs or a firewall that swallows packets after the handshake.
//
// accepted returns how many connections the server has accepted, exactly:
// it dials one of its own and counts those accepted before it. A dial that
// returned before accepted was called completed its handshake first, so
// the kernel queued it first (the accept queue is FIFO): no sleep giving a
// stray dial "time to arrive", which a slow machine would outrun.
func silentServer(t *testing.T) (port int, accepted func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	arrived := sync.NewCond(&mu)
	var conns []net.Conn
	markers := map[string]bool{} // local addresses of accepted's own dials
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			arrived.Broadcast()
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().(*net.TCPAddr).Port, func() int {
		t.Helper()
		marker, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer marker.Close()
		me := marker.LocalAddr().String()
		mu.Lock()
		defer mu.Unlock()
		markers[me] = true
		for {
			n := 0
			for _, c := range conns {
				switch addr := c.RemoteAddr().String(); {
				case addr == me:
					return n
				case !markers[addr]:
					n++
				}
			}
			arrived.Wait()
		}
	}
}

func TestSendCodeContextDeadline(t *testing.T) {
	port, accepted := silentServer(t)
	// The per-step timeout is long, so only ctx can end this send quickly.
	m := newMailer(t, MailConfig{Host: "127.0.0.1", Port: port, Timeout: time.Minute})

	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := m.SendCode(ctx, codeMail("en"))
	elapsed := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("SendCode = %v, want context.DeadlineExceeded", err)
	}
	if elapsed > 5*time.Second {
		t.Fatalf("SendCode took %v after a 300ms deadline", elapsed)
	}
	if n := accepted(); n != 1 {
		t.Errorf("server saw %d connections, want 1 (the send must have been under way)", n)
	}
}

func TestSendCodeContextAlreadyDone(t *testing.T) {
	port, accepted := silentServer(t)
	m := newMailer(t, MailConfig{Host: "127.0.0.1", Port: port})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := m.SendCode(ctx, codeMail("en")); !errors.Is(err, context.Canceled) {
		t.Fatalf("SendCode = %v, want context.Canceled", err)
	}
	if n := accepted(); n != 0 {
		t.Fatalf("dialled %d times with a cancelled context", n)
	}
}

// selfSigned returns a server certificate for 127.0.0.1 and a pool that
// trusts it.
func selfSigned(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "honnin test smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func TestSendCodeTLSAndAuth(t *testing.T) {
	serverTLS, roots := selfSigned(t)
	checkAuth := func(user, pass string) error {
		if user == "issuer" && pass == "s3cret" {
			return nil
		}
		return errors.New("bad credentials")
	}
	tests := []struct {
		name       string
		tls        string
		starttls   bool // the sink offers STARTTLS
		implicit   bool // the sink speaks TLS from the first byte
		trust      bool // the client trusts the sink's certificate
		auth       bool // the sink requires AUTH
		user, pass string
		wantErr    string // substring; "" means success
	}{
		{name: "starttls", tls: TLSStartTLS, starttls: true, trust: true},
		{name: "starttls with auth", tls: TLSStartTLS, starttls: true, trust: true, auth: true, user: "issuer", pass: "s3cret"},
		{name: "implicit tls with auth", tls: TLSImplicit, implicit: true, trust: true, auth: true, user: "issuer", pass: "s3cret"},
		{name: "auth on loopback without tls", tls: TLSNone, auth: true, user: "issuer", pass: "s3cret"},
		{name: "wrong password", tls: TLSStartTLS, starttls: true, trust: true, auth: true, user: "issuer", pass: "nope", wantErr: "535"},
		{name: "no credentials where required", tls: TLSStartTLS, starttls: true, trust: true, auth: true, wantErr: "502"},
		{name: "starttls required but not offered", tls: TLSStartTLS, wantErr: "STARTTLS"},
		{name: "untrusted certificate", tls: TLSStartTLS, starttls: true, wantErr: "certificate"},
		{name: "implicit tls against plain server", tls: TLSImplicit, trust: true, wantErr: "first record does not look like a TLS handshake"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := devmail.SMTPConfig{}
			if tt.starttls {
				cfg.TLSConfig = serverTLS
			}
			if tt.auth {
				cfg.Auth = checkAuth
			}
			var implicit *tls.Config
			if tt.implicit {
				implicit = serverTLS
			}
			s := startSink(t, cfg, implicit)
			m := newMailer(t, MailConfig{Host: s.host, Port: s.port, TLS: tt.tls, Username: tt.user, Password: tt.pass, Timeout: 5 * time.Second})
			if tt.trust {
				m.rootCAs = roots
			}
			err := m.SendCode(t.Context(), codeN(1))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("SendCode: %v", err)
				}
				// A second code goes on the same session, still in TLS
				// and authenticated.
				if err := m.SendCode(t.Context(), codeN(2)); err != nil {
					t.Fatalf("second SendCode: %v", err)
				}
				if got := deliveries(t, s); len(got) != 2 || got["700001"] != 1 || got["700002"] != 1 {
					t.Fatalf("delivered codes = %v, want 700001 and 700002 once each", got)
				}
				if n := s.tap.accepted(); n != 1 {
					t.Fatalf("two codes took %d connections, want 1", n)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("SendCode = %v, want an error mentioning %q", err, tt.wantErr)
			}
			if n := s.store.Len(); n != 0 {
				t.Fatalf("mail delivered despite %v", err)
			}
		})
	}
}

func TestNewMailer(t *testing.T) {
	ok := MailConfig{Host: "smtp.issuer.example", From: "no-reply@issuer.example", TLS: TLSStartTLS}
	tests := []struct {
		name     string
		change   func(*MailConfig)
		wantErr  bool
		wantPort int
		wantTLS  string
	}{
		{"starttls default port", func(c *MailConfig) {}, false, 587, TLSStartTLS},
		{"empty tls means starttls", func(c *MailConfig) { c.TLS = "" }, false, 587, TLSStartTLS},
		{"implicit tls default port", func(c *MailConfig) { c.TLS = "TLS" }, false, 465, TLSImplicit},
		{"none default port", func(c *MailConfig) { c.TLS = TLSNone }, false, 25, TLSNone},
		{"dev sink", func(c *MailConfig) {
			*c = MailConfig{Host: "127.0.0.1", Port: 1025, From: "honnin <no-reply@localhost>", TLS: TLSNone}
		}, false, 1025, TLSNone},
		{"credentials to localhost without tls", func(c *MailConfig) { c.Host, c.TLS, c.Username = "localhost", TLSNone, "u" }, false, 25, TLSNone},
		{"ipv6 host", func(c *MailConfig) { c.Host = "::1" }, false, 587, TLSStartTLS},
		{"no host", func(c *MailConfig) { c.Host = "" }, true, 0, ""},
		{"host with port", func(c *MailConfig) { c.Host = "smtp.issuer.example:587" }, true, 0, ""},
		{"unknown tls", func(c *MailConfig) { c.TLS = "ssl" }, true, 0, ""},
		{"port too big", func(c *MailConfig) { c.Port = 70000 }, true, 0, ""},
		{"negative port", func(c *MailConfig) { c.Port = -1 }, true, 0, ""},
		{"bad from", func(c *MailConfig) { c.From = "issuer" }, true, 0, ""},
		{"negative timeout", func(c *MailConfig) { c.Timeout = -time.Second }, true, 0, ""},
		{"password without user", func(c *MailConfig) { c.Password = "p" }, true, 0, ""},
		{"credentials in clear to remote host", func(c *MailConfig) { c.TLS, c.Username = TLSNone, "u" }, true, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.change(&cfg)
			m, err := NewMailer(cfg)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("NewMailer(%+v) succeeded, want an error", cfg)
				}
				if !strings.HasPrefix(err.Error(), "dispatch: mail config: ") {
					t.Errorf("error %q lacks context", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewMailer: %v", err)
			}
			if m.cfg.Port != tt.wantPort || m.cfg.TLS != tt.wantTLS || m.cfg.Timeout != DefaultMailTimeout {
				t.Errorf("config = port %d tls %q timeout %v, want %d %q %v", m.cfg.Port, m.cfg.TLS, m.cfg.Timeout, tt.wantPort, tt.wantTLS, DefaultMailTimeout)
			}
		})
	}
}

func TestRenderSubjectIsOneLine(t *testing.T) {
	for _, loc := range []string{"en", "ja"} {
		r, err := render(codeMail(loc))
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(r.subject, "\r\n") || r.subject != strings.TrimSpace(r.subject) {
			t.Errorf("%s subject %q is not a single trimmed line", loc, r.subject)
		}
	}
}
