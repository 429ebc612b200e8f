package outbox

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/testenv"
	"github.com/honnin/honnin/issuer/devmail"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/sms"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/vault"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
func lockNotice(to string) dispatch.Notice {
	return dispatch.Notice{Kind: dispatch.NoticeLocked, To: to, Locale: "en", IssuerName: "honnin", Last4: "9016", Method: "email", Failures: 10}
}

// rig is an outbox over a real SQLite store and a real SMTP sink that can
// be stopped and started on the same port.
type rig struct {
	t     *testing.T
	st    *store.Store
	box   *Outbox
	clock *testenv.Clock
	inbox *devmail.Store
	addr  string
	smtp  *devmail.SMTPServer
}

func newRig(t *testing.T) *rig {
	t.Helper()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "issuer.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(bytes.Repeat([]byte{7}, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, st: st, clock: testenv.NewClock(t0), inbox: devmail.NewStore(0)}
	r.up()
	t.Cleanup(r.down)
	host, port, _ := net.SplitHostPort(r.addr)
	p, _ := strconv.Atoi(port)
	m, err := dispatch.NewMailer(dispatch.MailConfig{Host: host, Port: p, From: "honnin <no-reply@localhost>", TLS: dispatch.TLSNone, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r.box = New(st, v, m, quiet(), r.clock.Now)
	return r
}

func (r *rig) up() {
	addr := r.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		r.t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	r.smtp = devmail.NewSMTPServer(r.inbox, devmail.SMTPConfig{Logger: quiet()})
	go r.smtp.Serve(ln)
}

func (r *rig) down() {
	if r.smtp != nil {
		r.smtp.Close()
		r.smtp = nil
	}
}

func (r *rig) items() []store.OutboxItem {
	r.t.Helper()
	its, err := r.st.Outbox(r.t.Context(), nil, 0)
	if err != nil {
		r.t.Fatal(err)
	}
	return its
}

func TestNoticeDelivered(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	if err := r.box.SendNotice(ctx, lockNotice("taro@mail.jp")); err != nil {
		t.Fatal(err)
	}
	if len(r.inbox.Messages("taro@mail.jp")) != 0 {
		t.Fatal("a notice was mailed before delivery: it must be queued")
	}
	its := r.items()
	if len(its) != 1 || its[0].State != store.OutboxPending || its[0].Kind != "notice:locked" || its[0].Dest != "***@mail.jp" {
		t.Fatalf("queued %+v", its)
	}
	if bytes.Contains(its[0].Payload, []byte("taro@mail.jp")) {
		t.Error("payload is not sealed")
	}
	n, err := r.box.DeliverDue(ctx)
	if err != nil || n != 1 {
		t.Fatalf("deliver: %d %v", n, err)
	}
	if ms := r.inbox.Messages("taro@mail.jp"); len(ms) != 1 || !strings.Contains(ms[0].Text, "9016") {
		t.Errorf("mail %+v", ms)
	}
	its = r.items()
	if its[0].State != store.OutboxSent || its[0].Payload != nil || its[0].Attempts != 1 {
		t.Errorf("after delivery %+v", its[0])
	}
	if n, _ := r.box.DeliverDue(ctx); n != 0 || len(r.inbox.Messages("taro@mail.jp")) != 1 {
		t.Error("sent twice")
	}
}

// TestRetriesThenFails: with the mail server down a notice is retried
// with doubling waits, failed after MaxAttempts, and sent when an
// operator retries it with the server back.
func TestRetriesThenFails(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	r.down()
	if err := r.box.SendNotice(ctx, lockNotice("hana@mail.jp")); err != nil {
		t.Fatal(err)
	}
	for attempt := 1; attempt <= MaxAttempts; attempt++ {
		if n, err := r.box.DeliverDue(ctx); err != nil || n != 0 {
			t.Fatalf("attempt %d: %d %v", attempt, n, err)
		}
		it := r.items()[0]
		if it.Attempts != attempt || it.LastError == "" {
			t.Fatalf("attempt %d: %+v", attempt, it)
		}
		if attempt == MaxAttempts {
			if it.State != store.OutboxFailed {
				t.Fatalf("after %d attempts: %s", attempt, it.State)
			}
			break
		}
		if it.State != store.OutboxPending || !it.NextAt.Equal(r.clock.Now().Add(Backoff(attempt))) {
			t.Fatalf("attempt %d: %+v, want due in %v", attempt, it, Backoff(attempt))
		}
		// Not due a moment before its time.
		r.clock.Add(Backoff(attempt) - time.Second)
		if due, _ := r.st.DueOutbox(ctx, r.clock.Now(), 10); len(due) != 0 {
			t.Fatalf("attempt %d: due early", attempt)
		}
		r.clock.Add(time.Second)
	}
	r.clock.Add(time.Hour)
	if n, _ := r.box.DeliverDue(ctx); n != 0 {
		t.Error("a failed notice was tried again by itself")
	}

	r.up()
	it, err := r.st.RetryOutbox(ctx, r.items()[0].ID, r.clock.Now())
	if err != nil || it.State != store.OutboxPending || it.Attempts != 0 {
		t.Fatalf("retry: %+v %v", it, err)
	}
	if n, err := r.box.DeliverDue(ctx); n != 1 || err != nil {
		t.Fatalf("after retry: %d %v", n, err)
	}
	if len(r.inbox.Messages("hana@mail.jp")) != 1 {
		t.Error("retried notice not mailed")
	}
}

// TestExpiredPasswordNotRetried: an app password notice whose password has
// expired is failed at once, not sent late.
func TestExpiredPasswordNotRetried(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	n := dispatch.Notice{Kind: dispatch.NoticeAppPassword, To: "app@mail.jp", Locale: "ja", IssuerName: "honnin",
		Last4: "9057", Password: "ABCDEFGHJK", Expires: t0.Add(30 * time.Minute)}
	if err := r.box.SendNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(r.items()[0].Payload, []byte("ABCDEFGHJK")) {
		t.Fatal("the password is stored in clear")
	}
	r.clock.Add(31 * time.Minute)
	if _, err := r.box.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	it := r.items()[0]
	if it.State != store.OutboxFailed || it.Attempts != 1 || !strings.Contains(it.LastError, "expired") {
		t.Errorf("expired notice: %+v", it)
	}
	if len(r.inbox.Messages("app@mail.jp")) != 0 {
		t.Error("an expired password was mailed")
	}
}

// failingSMS is an SMS gateway that is down: an httptest server would add
// nothing (the outbox sees only the sender's error).
type failingSMS struct{}

func (failingSMS) Send(context.Context, sms.Message) (string, error) {
	return "", errors.New("sms: gateway 503")
}

type okSMS struct{}

func (okSMS) Send(context.Context, sms.Message) (string, error) { return "SM1", nil }

// TestFailedCodesRecorded: code sends stay synchronous, the caller gets the
// error, and only a failed one is recorded (not retryable).
func TestFailedCodesRecorded(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	code := dispatch.CodeMail{To: "taro@mail.jp", Locale: "ja", Code: "123456", Merchant: "Demo Shop", Amount: 1250,
		Currency: "JPY", At: t0, IssuerName: "honnin"}
	if err := r.box.SendCode(ctx, code); err != nil {
		t.Fatal(err)
	}
	if len(r.items()) != 0 || len(r.inbox.Messages("taro@mail.jp")) != 1 {
		t.Fatal("a sent code was recorded, or not sent at once")
	}
	r.down()
	if err := r.box.SendCode(ctx, code); err == nil {
		t.Fatal("send to a server that is down succeeded")
	}
	if _, err := r.box.SMS(failingSMS{}).Send(ctx, sms.Message{To: "+819012345678", Body: "x"}); err == nil {
		t.Fatal("failing gateway succeeded")
	}
	if _, err := r.box.SMS(okSMS{}).Send(ctx, sms.Message{To: "+819012345678", Body: "x"}); err != nil {
		t.Fatal(err)
	}
	its := r.items()
	if len(its) != 2 {
		t.Fatalf("recorded %+v", its)
	}
	want := map[string]string{KindCodeSMS: "***-****-5678", KindCodeEmail: "***@mail.jp"}
	for _, it := range its {
		if want[it.Kind] != it.Dest || it.State != store.OutboxFailed || it.Payload != nil || it.LastError == "" ||
			strings.Contains(it.LastError, "123456") {
			t.Errorf("record %+v", it)
		}
		if _, err := r.st.RetryOutbox(ctx, it.ID, t0); !errors.Is(err, store.ErrConflict) {
			t.Errorf("retry of a code record: %v", err)
		}
	}
}

// TestRunWakes: queueing wakes Run (the notice goes out at once, not at
// the next tick), and Run delivers it.
func TestRunWakes(t *testing.T) {
	r := newRig(t)
	if err := r.box.SendNotice(t.Context(), lockNotice("wake@mail.jp")); err != nil {
		t.Fatal(err)
	}
	if err := r.box.SendNotice(t.Context(), lockNotice("wake@mail.jp")); err != nil {
		t.Fatal(err)
	}
	if len(r.box.wake) != 1 {
		t.Fatalf("%d wake-ups pending, want 1", len(r.box.wake))
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { r.box.Run(ctx); close(done) }()
	deadline := time.Now().Add(20 * time.Second)
	for len(r.inbox.Messages("wake@mail.jp")) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if n := len(r.inbox.Messages("wake@mail.jp")); n != 2 {
		t.Errorf("Run delivered %d notices, want 2", n)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		n    int
		want time.Duration
	}{
		{1, 30 * time.Second}, {2, time.Minute}, {3, 2 * time.Minute}, {7, 30 * time.Minute}, {8, 30 * time.Minute}, {50, 30 * time.Minute},
	}
	for _, tt := range tests {
		if got := Backoff(tt.n); got != tt.want {
			t.Errorf("Backoff(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
}
