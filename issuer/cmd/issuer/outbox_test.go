package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer/store"
)

func TestOutboxCommands(t *testing.T) {
	s := prepare(t)
	if code, out, _ := cli(t, "outbox", "-db", s.db); code != exitOK || !strings.Contains(out, "nothing pending or failed") {
		t.Fatalf("empty outbox: %d %q", code, out)
	}
	st, _, err := openStore(t.Context(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	queued, err := st.Enqueue(t.Context(), store.OutboxItem{Ref: "a", Kind: "notice:locked", Dest: "***@mail.jp", Payload: []byte{1}}, now)
	if err != nil {
		t.Fatal(err)
	}
	failed, err := st.Enqueue(t.Context(), store.OutboxItem{Ref: "b", Kind: "notice:app_password", Dest: "***@mail.jp", Payload: []byte{2}}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.OutboxGiveUp(t.Context(), failed.ID, "dispatch: connection refused", now); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordFailedSend(t.Context(), "code:sms", "***-****-5678", "sms: gateway 503", now); err != nil {
		t.Fatal(err)
	}
	sent, err := st.Enqueue(t.Context(), store.OutboxItem{Ref: "c", Kind: "notice:locked", Dest: "***@mail.jp", Payload: []byte{3}}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.OutboxDelivered(t.Context(), sent.ID, now); err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, out, errOut := cli(t, "outbox", "-db", s.db)
	if code != exitOK || !strings.Contains(out, "connection refused") || !strings.Contains(out, "***-****-5678") || !strings.Contains(out, "pending") {
		t.Errorf("outbox: %d %q %q", code, out, errOut)
	}
	var rows []outboxRow
	_, out, _ = cli(t, "outbox", "-db", s.db, "-json")
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 3 {
		t.Fatalf("outbox -json: %v %q", err, out)
	}
	for _, r := range rows {
		if r.Retryable != (r.ID == failed.ID) || (r.State == "pending") != (r.NextAt != "") {
			t.Errorf("row %+v", r)
		}
	}
	_, out, _ = cli(t, "outbox", "-db", s.db, "-json", "-all")
	if json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 4 {
		t.Errorf("outbox -all: %q", out)
	}
	_, out, _ = cli(t, "outbox", "-db", s.db, "-json", "-limit", "1")
	if json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 1 || rows[0].ID != failed.ID+1 {
		t.Errorf("outbox -limit 1 (newest): %q", out)
	}

	id := func(v int64) string { return strconv.FormatInt(v, 10) }
	tests := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"retry failed notice", []string{"-id", id(failed.ID)}, exitOK, "queued again"},
		{"retry it again", []string{"-id", id(failed.ID)}, exitFail, "is pending, not failed"},
		{"retry pending", []string{"-id", id(queued.ID)}, exitFail, "cannot be retried"},
		{"retry code record", []string{"-id", id(failed.ID + 1)}, exitFail, "nothing to send again"},
		{"retry unknown", []string{"-id", "999"}, exitFail, "no message with id 999"},
		{"retry without id", nil, exitUsage, "-id is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(t, append([]string{"outbox", "retry", "-db", s.db}, tt.args...)...)
			wantRun(t, code, out, errOut, tt.code, tt.out)
		})
	}
	if code, _, errOut := cli(t, "outbox", "-db", s.db, "-limit", "-2"); code != exitUsage || !strings.Contains(errOut, "-limit") {
		t.Errorf("negative limit: %d %q", code, errOut)
	}
}
