package acs

import (
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/devmail"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/outbox"
	"github.com/honnin/honnin/issuer/store"
)

// TestReportFraud: the cardholder's report lists the authentication's
// device, address and merchant for the risk configuration's windows, and
// the operator's notice goes through the outbox to the operator's address;
// another card's authentication, an unknown one and a second report are
// refused and change nothing.
func TestReportFraud(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()

	// The operator's mail: a real SMTP sink behind the outbox, as serve
	// wires it.
	inbox := devmail.NewStore(0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sink := devmail.NewSMTPServer(inbox, devmail.SMTPConfig{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	go sink.Serve(ln)
	t.Cleanup(func() { sink.Close() })
	port := ln.Addr().(*net.TCPAddr).Port
	mailer, err := dispatch.NewMailer(dispatch.MailConfig{Host: "127.0.0.1", Port: port, From: "Honnin <no-reply@issuer.example>",
		TLS: dispatch.TLSNone, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	box := outbox.New(f.store, f.cfg.Vault, mailer, f.cfg.Log, f.clock.Now)
	cfg := f.cfg
	cfg.Mail, cfg.IssuerName, cfg.Operator = box, "Honnin Card", Operator{Email: "ops@issuer.example", Locale: "ja"}
	svc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}

	mine := f.purchaseOn(t, "3540123456789016", Enrolment{Holder: issuer.Cardholder{Email: "a@mail.jp"}})
	theirs := f.purchaseOn(t, "3540123456789024", Enrolment{Holder: issuer.Cardholder{Email: "b@mail.jp"}})
	a, err := f.store.Authentication(ctx, mine)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.store.Authentication(ctx, theirs)
	if err != nil {
		t.Fatal(err)
	}
	// What the decision stores: the device's keyed hash, the address.
	raw, err := sql.Open("sqlite", f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE authentications SET device_hash = ?, ip_net = ? WHERE id = ?`,
		[]byte{0x0f, 0xa0}, "203.0.113.7", mine); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name       string
		cardholder int64
		id         string
		kind       Kind
	}{
		{"another card's", a.CardholderID, theirs, NotFound},
		{"the other way round", b.CardholderID, mine, NotFound},
		{"unknown", a.CardholderID, "NOSUCHAUTHENTICATION000000", NotFound},
	} {
		var r *Refusal
		if err := svc.ReportFraud(ctx, tt.cardholder, tt.id); !errors.As(err, &r) || r.Kind != tt.kind {
			t.Errorf("%s: %v, want a refusal of kind %d", tt.name, err, tt.kind)
		}
	}
	if list, err := f.store.DenyList(ctx); err != nil || len(list) != 0 {
		t.Fatalf("refused reports listed %+v, %v", list, err)
	}

	if err := svc.ReportFraud(ctx, a.CardholderID, mine); err != nil {
		t.Fatal(err)
	}
	// Each entry lasts its rule's window (the default when the
	// configuration has none).
	rc := svc.risk.Config()
	life := func(rule string) time.Duration {
		if d := rc.Window(rule); d > 0 {
			return d
		}
		return DefaultDenyWindow
	}
	list, err := f.store.DenyList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{
		"address 203.0.113.7": t0.Add(life("denylisted_address")),
		"device 0fa0":         t0.Add(life("denylisted_device")),
		"merchant " + strconv.FormatInt(f.merchant.ID, 10): t0.Add(life("denylisted_merchant")),
	}
	for _, e := range list {
		if w, ok := want[e.Kind+" "+e.Value]; !ok || !e.ExpiresAt.Equal(w) || e.AuthenticationID != mine {
			t.Errorf("entry %+v; want expiry %v", e, w)
		}
		delete(want, e.Kind+" "+e.Value)
	}
	if len(want) != 0 {
		t.Errorf("not listed: %v", want)
	}

	var r *Refusal
	if err := svc.ReportFraud(ctx, a.CardholderID, mine); !errors.As(err, &r) || r.Kind != Conflict || r.Code != "reported" {
		t.Errorf("second report: %v, want Conflict reported", err)
	}

	// One notice, to the operator, in the operator's language.
	if _, err := box.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := inbox.Messages("ops@issuer.example")
	if len(msgs) != 1 {
		t.Fatalf("%d notices to the operator, want 1", len(msgs))
	}
	for _, w := range []string{"下4桁 9016", mine, "加盟店：Demo Shop", "1,250円", "端末、IPアドレス、加盟店"} {
		if !strings.Contains(msgs[0].Text, w) {
			t.Errorf("notice lacks %q:\n%s", w, msgs[0].Text)
		}
	}
	if strings.Contains(msgs[0].Text, "3540123456789016") {
		t.Error("the notice carries the card number")
	}
	if n := len(inbox.Messages("a@mail.jp")); n != 0 {
		t.Errorf("%d mails to the cardholder", n)
	}
}

// TestReportFraudNoOperator: with no operator address the report is made
// and nothing is queued.
func TestReportFraudNoOperator(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	box := outbox.New(f.store, f.cfg.Vault, f.cfg.Mail.(outbox.Mailer), f.cfg.Log, f.clock.Now)
	cfg := f.cfg
	cfg.Mail = box
	svc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	id := f.purchaseOn(t, "3540123456789016", Enrolment{Holder: issuer.Cardholder{Email: "a@mail.jp"}})
	a, err := f.store.Authentication(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.ReportFraud(ctx, a.CardholderID, id); err != nil {
		t.Fatal(err)
	}
	if got, err := f.store.FraudReported(ctx, a.CardholderID, []string{id}); err != nil || got[id].IsZero() {
		t.Errorf("not reported: %v, %v", got, err)
	}
	if items, err := f.store.Outbox(ctx, []string{store.OutboxPending, store.OutboxFailed}, 0); err != nil || len(items) != 0 {
		t.Errorf("outbox = %+v, %v; want nothing", items, err)
	}
}

func TestOperatorChecked(t *testing.T) {
	f := newFixture(t)
	for _, op := range []Operator{{Email: "not an address"}, {Email: "ops@issuer.example", Locale: "fr"}} {
		cfg := f.cfg
		cfg.Operator = op
		if _, err := New(cfg); err == nil {
			t.Errorf("operator %+v accepted", op)
		}
	}
}
