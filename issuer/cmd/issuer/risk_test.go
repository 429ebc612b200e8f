package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/store"
)

// TestRiskDenylistCommands: the deny list a fraud report made is listed
// (an expired entry marked so) and its entries removed, on each engine.
func TestRiskDenylistCommands(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db string) {
		s := prepareDB(t, db)
		ctx := context.Background()
		code, out, errOut := cli(t, "risk", "denylist", "-db", s.db)
		wantRun(t, code, out, errOut, exitOK, "the deny list is empty\n")

		st, err := store.Open(ctx, s.db)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := st.Merchants(ctx)
		if err != nil || len(ms) == 0 {
			t.Fatalf("merchants: %v, %v", ms, err)
		}
		chs, err := st.Cardholders(ctx, store.CardholderFilter{})
		if err != nil || len(chs) == 0 {
			t.Fatalf("cardholders: %v, %v", chs, err)
		}
		now := time.Now()
		report := func(device []byte, at time.Time) string {
			a, err := st.CreateAuthentication(ctx, issuer.Authentication{MerchantID: ms[0].ID, CardholderID: chs[0].ID,
				Amount: 1250, Currency: "JPY", MerchantName: "Demo Shop", MerchantOrigin: "http://localhost:8080", Status: "C", CreatedAt: at})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.RecordDecision(ctx, a.ID, store.Decision{Decision: "challenge", Status: "C", DeviceHash: device,
				Reasons: "[]", Signals: "{}", At: at}); err != nil {
				t.Fatal(err)
			}
			day := 24 * time.Hour
			if _, _, err := st.ReportFraud(ctx, store.FraudReport{AuthenticationID: a.ID, CardholderID: chs[0].ID, At: at,
				DeviceFor: 30 * day, AddressFor: 30 * day, MerchantFor: 30 * day}); err != nil {
				t.Fatal(err)
			}
			return a.ID
		}
		// Reported 60 days ago: its device's entry has expired; the
		// merchant's is renewed by today's report.
		old := report([]byte{0xde, 0xad}, now.Add(-60*24*time.Hour))
		recent := report(nil, now)
		st.Close()
		merchant := strconv.FormatInt(ms[0].ID, 10)

		code, out, errOut = cli(t, "risk", "denylist", "-db", s.db)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if code != exitOK || len(lines) != 3 || !strings.HasPrefix(lines[0], "KIND") ||
			!strings.HasPrefix(lines[1], "device") || !strings.Contains(lines[1], "dead") || !strings.Contains(lines[1], "(expired)") ||
			!strings.Contains(lines[1], old) ||
			!strings.HasPrefix(lines[2], "merchant") || strings.Contains(lines[2], "expired") || !strings.Contains(lines[2], recent) {
			t.Errorf("denylist: %d %q %q", code, out, errOut)
		}
		_, out, _ = cli(t, "risk", "denylist", "-db", s.db, "-json")
		var rows []struct {
			Kind, Value, Authentication string
			Expired                     bool
		}
		if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 2 || rows[1].Kind != "merchant" ||
			rows[1].Value != merchant || rows[1].Expired || !rows[0].Expired {
			t.Errorf("denylist -json: %v %q", err, out)
		}

		for _, tt := range []struct {
			name string
			args []string
			code int
			out  string // stdout on success, stderr otherwise
		}{
			{"no kind", []string{"-value", "dead"}, exitUsage, "-kind and -value are required"},
			{"no value", []string{"-kind", "device"}, exitUsage, "-kind and -value are required"},
			{"bad kind", []string{"-kind", "card", "-value", "dead"}, exitUsage, `-kind "card": want one of device, address, merchant`},
			{"remove", []string{"-kind", "device", "-value", "dead"}, exitOK, `removed deny list entry device "dead"`},
			{"remove again", []string{"-kind", "device", "-value", "dead"}, exitFail, `no deny list entry device "dead"`},
		} {
			t.Run(tt.name, func(t *testing.T) {
				code, out, errOut := cli(t, append([]string{"risk", "denylist", "remove", "-db", s.db}, tt.args...)...)
				wantRun(t, code, out, errOut, tt.code, tt.out)
			})
		}
		code, out, errOut = cli(t, "risk", "denylist", "-db", s.db)
		if code != exitOK || strings.Contains(out, "dead") || !strings.Contains(out, "merchant") {
			t.Errorf("denylist after removal: %d %q %q", code, out, errOut)
		}
	})
}

// TestRiskGroup: issuer risk is a group like issuer cardholder: -h lists
// its commands, alone it is a usage error that lists them.
func TestRiskGroup(t *testing.T) {
	code, out, _ := cli(t, "risk", "-h")
	if code != exitOK || !strings.Contains(out, "risk denylist remove") || !strings.Contains(out, "risk denylist ") ||
		strings.Contains(out, "merchant") {
		t.Errorf("risk -h: %d %q", code, out)
	}
	code, out, errOut := cli(t, "risk")
	if code != exitUsage || out != "" || !strings.Contains(errOut, "risk denylist remove") {
		t.Errorf("risk alone: %d %q %q", code, out, errOut)
	}
	code, out, _ = cli(t, "risk", "denylist", "remove", "-h")
	if code != exitOK || !strings.Contains(out, "-kind") || !strings.Contains(out, "-value") {
		t.Errorf("risk denylist remove -h: %d %q", code, out)
	}
}

// TestServeOperatorFlags: the operator's address and language are checked
// before anything starts.
func TestServeOperatorFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-operator-email", "not an address"}, "-operator-email"},
		{[]string{"-operator-email", "ops@issuer.example", "-operator-locale", "fr"}, `-operator-locale "fr": want en or ja`},
	} {
		code, _, errOut := cli(t, append([]string{"serve"}, tt.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("serve %v: %d %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
	code, out, _ := cli(t, "serve", "-h")
	if code != exitOK || !strings.Contains(out, "HONNIN_OPERATOR_EMAIL") || !strings.Contains(out, "HONNIN_OPERATOR_LOCALE") {
		t.Errorf("serve -h: %d %q", code, out)
	}
}
