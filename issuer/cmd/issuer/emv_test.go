package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/store"
)

func TestEMVList(t *testing.T) {
	s := prepare(t)
	ctx := context.Background()
	st, err := store.Open(ctx, s.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := st.CreateMerchant(ctx, issuer.Merchant{Name: "emv-test", APIKeyHash: make([]byte, 32), CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	// Five transactions, one per RReq state: no challenge (frictionless),
	// waiting for the challenge, due after a failure, delivered; and a
	// challenge that ended but whose RReq is not written yet (waiting).
	for i, c := range []struct {
		ati, ares, status string
		rreq              func(string)
	}{
		{"00000000-0000-4000-8000-000000000001", "Y", "Y", nil},
		{"00000000-0000-4000-8000-000000000002", "C", "C", nil},
		{"00000000-0000-4000-8000-000000000003", "C", "N", func(id string) {
			if err := st.QueueRReq(ctx, id, `{}`, at); err != nil {
				t.Fatal(err)
			}
			if err := st.RReqFailed(ctx, id, "DS answered HTTP 503", at.Add(4*time.Second)); err != nil {
				t.Fatal(err)
			}
		}},
		{"00000000-0000-4000-8000-000000000004", "C", "Y", func(id string) {
			if err := st.QueueRReq(ctx, id, `{}`, at); err != nil {
				t.Fatal(err)
			}
			if err := st.RReqDelivered(ctx, id, "01", at.Add(time.Second)); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		a, err := st.CreateAuthentication(ctx, issuer.Authentication{MerchantID: m.ID, Amount: 1250, Currency: "JPY",
			MerchantName: "Shop", MerchantOrigin: "https://shop.example", Status: c.status, CreatedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateEMVTransaction(ctx, store.EMVTransaction{ACSTransID: c.ati, AuthenticationID: a.ID, ServerTransID: "sti",
			MessageVersion: "2.2.0", MessageCategory: "01", DeviceChannel: "02", AResStatus: c.ares, AResAt: at.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if c.rreq != nil {
			c.rreq(c.ati)
		}
	}
	list := func(args ...string) []emvRow {
		t.Helper()
		code, out, errOut := cli(t, append(append([]string{"emv", "list", "-json"}, args...), "-db", s.db)...)
		if code != exitOK {
			t.Fatalf("emv list: %d %s", code, errOut)
		}
		var rows []emvRow
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("not JSON: %v %q", err, out)
		}
		return rows
	}
	var got []string
	for _, r := range list() {
		got = append(got, r.ACSTransID[len(r.ACSTransID)-1:]+":"+r.RReq+":"+r.Outcome)
	}
	if want := "4:delivered:Y 3:due:N 2:waiting: 1:none:Y"; strings.Join(got, " ") != want {
		t.Errorf("emv list: %s, want %s", strings.Join(got, " "), want)
	}
	due := list("-undelivered")
	if len(due) != 2 || due[0].RReq != "due" || due[0].Attempts != 1 || due[0].LastError != "DS answered HTTP 503" ||
		due[0].NextAt != "2026-12-06T03:00:04Z" || due[1].RReq != "waiting" {
		t.Errorf("emv list -undelivered: %+v", due)
	}
	if rows := list("-limit", "1"); len(rows) != 1 || rows[0].ResultsStatus != "01" || rows[0].DeliveredAt != "2026-12-06T03:00:01Z" {
		t.Errorf("emv list -limit 1: %+v", rows)
	}
	code, out, _ := cli(t, "emv", "list", "-db", s.db)
	if code != exitOK || !strings.Contains(out, "00000000-0000-4000-8000-000000000003") || !strings.Contains(out, "DS answered HTTP 503") {
		t.Errorf("emv list (table): %d %s", code, out)
	}
	code, _, errOut := cli(t, "emv", "list", "-limit", "-1", "-db", s.db)
	wantRun(t, code, "", errOut, exitUsage, "-limit")
}
