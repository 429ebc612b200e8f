package devmail

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/smtp"
	"strings"
	"testing"
	"time"
)

// startSMTP runs an SMTPServer on a free loopback port for the test's
// lifetime and returns its address.
func startSMTP(t *testing.T, store *Store, cfg SMTPConfig) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv := NewSMTPServer(store, cfg)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve returned %v after Shutdown, want nil", err)
		}
	})
	return ln.Addr().String()
}

// japaneseMail is a multipart/alternative message as a Japanese issuer
// would send it: encoded-word subject and sender, a quoted-printable text
// part and a base64 HTML part.
var japaneseMail = crlf(`From: =?UTF-8?B?` + b64("本人認証サービス") + `?= <no-reply@issuer.example>
To: Taro <taro@mail.jp>
Subject: =?UTF-8?B?` + b64("【本人認証】ワンタイム") + `?=
 =?UTF-8?B?` + b64("パスワードのお知らせ") + `?=
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

=E3=83=AF=E3=83=B3=E3=82=BF=E3=82=A4=E3=83=A0=E3=83=91=E3=82=B9=E3=83=AF=E3=83=BC=E3=83=89=EF=BC=9A 123456
--b1
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: base64

` + b64(`<p>ワンタイムパスワード：<b>123456</b></p>`) + `
--b1--
`)

func TestSMTPReceivesJapaneseMultipart(t *testing.T) {
	store := NewStore(0)
	addr := startSMTP(t, store, SMTPConfig{})

	rcpts := []string{"taro@mail.jp", "audit@issuer.example"}
	if err := smtp.SendMail(addr, nil, "bounce@issuer.example", rcpts, []byte(japaneseMail)); err != nil {
		t.Fatalf("SendMail: %v", err)
	}

	msgs := store.Messages("")
	if len(msgs) != 1 {
		t.Fatalf("stored %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Subject != subjectJA {
		t.Errorf("Subject = %q, want %q", m.Subject, subjectJA)
	}
	if want := "本人認証サービス <no-reply@issuer.example>"; m.From != want {
		t.Errorf("From = %q, want %q", m.From, want)
	}
	if strings.Join(m.To, ",") != strings.Join(rcpts, ",") {
		t.Errorf("To = %q, want the envelope recipients %q", m.To, rcpts)
	}
	if want := "ワンタイムパスワード： 123456"; m.Text != want {
		t.Errorf("Text = %q, want %q", m.Text, want)
	}
	if want := "<p>ワンタイムパスワード：<b>123456</b></p>"; m.HTML != want {
		t.Errorf("HTML = %q, want %q", m.HTML, want)
	}
	if time.Since(m.ReceivedAt) > time.Minute || m.ReceivedAt.After(time.Now()) {
		t.Errorf("ReceivedAt = %v, want about now", m.ReceivedAt)
	}
}

func TestSMTPFromFallsBackToEnvelope(t *testing.T) {
	store := NewStore(0)
	addr := startSMTP(t, store, SMTPConfig{})
	if err := smtp.SendMail(addr, nil, "envelope@issuer.example", []string{"a@mail.jp"}, []byte("Subject: x\r\n\r\nbody\r\n")); err != nil {
		t.Fatal(err)
	}
	if got := store.Messages("")[0].From; got != "envelope@issuer.example" {
		t.Fatalf("From = %q, want the envelope sender", got)
	}
}

func TestSMTPRejectsOversizedMessage(t *testing.T) {
	store := NewStore(0)
	addr := startSMTP(t, store, SMTPConfig{MaxMessageBytes: 1024})

	body := "Subject: big\r\n\r\n" + strings.Repeat("0123456789abcdef\r\n", 200)
	err := smtp.SendMail(addr, nil, "a@example.jp", []string{"b@example.jp"}, []byte(body))
	if err == nil || !strings.Contains(err.Error(), "552") {
		t.Fatalf("SendMail of %d bytes with a 1024-byte limit: err = %v, want a 552 reply", len(body), err)
	}
	if n := store.Len(); n != 0 {
		t.Fatalf("oversized message stored (%d messages)", n)
	}
	// The connection-level limit must not break the next message.
	if err := smtp.SendMail(addr, nil, "a@example.jp", []string{"b@example.jp"}, []byte("Subject: small\r\n\r\nok\r\n")); err != nil {
		t.Fatalf("small message after a rejected one: %v", err)
	}
	if n := store.Len(); n != 1 {
		t.Fatalf("stored %d messages, want 1", n)
	}
}

func TestSMTPAuth(t *testing.T) {
	check := func(user, pass string) error {
		if user == "issuer" && pass == "s3cret" {
			return nil
		}
		return errors.New("bad credentials")
	}
	tests := []struct {
		name    string
		auth    smtp.Auth
		wantErr string
	}{
		{"right password", smtp.PlainAuth("", "issuer", "s3cret", "127.0.0.1"), ""},
		{"wrong password", smtp.PlainAuth("", "issuer", "nope", "127.0.0.1"), "535"},
		{"no auth when required", nil, "502"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := NewStore(0)
			addr := startSMTP(t, store, SMTPConfig{Auth: check})
			err := smtp.SendMail(addr, tt.auth, "a@example.jp", []string{"b@example.jp"}, []byte("Subject: x\r\n\r\nx\r\n"))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("SendMail: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("SendMail: err = %v, want %s", err, tt.wantErr)
			}
			if want := map[bool]int{true: 1, false: 0}[tt.wantErr == ""]; store.Len() != want {
				t.Fatalf("stored %d messages, want %d", store.Len(), want)
			}
		})
	}
}

func TestSMTPShutdownStopsServing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewSMTPServer(NewStore(0), SMTPConfig{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve = %v, want nil after Shutdown", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after Shutdown")
	}
	if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Fatal("still accepting connections after Shutdown")
	}
}

// TestSMTPShutdownDropsIdleSessions: a session between messages (a client
// that keeps its sessions, as the issuer's Mailer does) does not hold the
// shutdown; a session inside a mail transaction finishes it first, and
// its message is stored.
func TestSMTPShutdownDropsIdleSessions(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	store := NewStore(0)
	srv := NewSMTPServer(store, SMTPConfig{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	dial := func() *smtp.Client {
		c, err := smtp.Dial(ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Hello("client.example"); err != nil {
			t.Fatal(err)
		}
		return c
	}
	idle, mailing := dial(), dial()
	defer idle.Close()
	defer mailing.Close()
	if err := mailing.Mail("a@issuer.example"); err != nil {
		t.Fatal(err)
	}
	if err := mailing.Rcpt("b@mail.example"); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Shutdown(ctx) }()

	w, err := mailing.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, "Subject: last\r\n\r\nbody\r\n"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("the message in flight at shutdown: %v", err)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Shutdown waited for the idle session until its deadline")
	}
	if got := store.Messages(""); len(got) != 1 || got[0].Subject != "last" {
		t.Errorf("stored %+v, want the message in flight", got)
	}
	if err := idle.Noop(); err == nil {
		t.Error("the idle session still answers after Shutdown")
	}
	if err := <-done; err != nil {
		t.Errorf("Serve = %v, want nil after Shutdown", err)
	}
}
