package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRangesCommands(t *testing.T) {
	s := prepare(t) // the demo seed adds the two demo ranges: ids 1 and 2
	gold, pale, empty := filepath.Join(s.dir, "gold.json"), filepath.Join(s.dir, "pale.json"), filepath.Join(s.dir, "empty.json")
	for p, body := range map[string]string{
		gold:  `{"name":"Gold Card","phone":"0120-111-111","portal_url":"https://gold.example/","color":"#7a5c00"}`,
		pale:  `{"name":"Pale","accent":"#aaaaaa"}`,
		empty: `{}`,
	} {
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		args []string
		code int
		out  string // stdout on success, stderr otherwise
	}{
		{"list", []string{"ranges", "list"}, exitOK, "354099"},
		{"add prefix", []string{"ranges", "add", "-prefix", "35401234567", "-brand", "JCB", "-note", "gold", "-branding", gold}, exitOK, "added range 3: 35401234567 eligible"},
		{"add low-contrast branding", []string{"ranges", "add", "-prefix", "411111", "-branding", pale}, exitUsage, "accent #aaaaaa: link text in it on white has a contrast of 2.32:1, want at least 4.5:1"},
		{"add empty branding", []string{"ranges", "add", "-prefix", "411111", "-branding", empty}, exitUsage, "sets nothing"},
		{"list branding", []string{"ranges", "list"}, exitOK, "Gold Card"},
		{"add span not eligible", []string{"ranges", "add", "-start", "400000", "-end", "400099", "-not-eligible"}, exitOK, "added range 4: 400000-400099 not eligible"},
		{"add duplicate", []string{"ranges", "add", "-prefix", "35401234567"}, exitFail, "exists already"},
		{"add nothing", []string{"ranges", "add"}, exitUsage, "-prefix, or -start and -end, is required"},
		{"add both", []string{"ranges", "add", "-prefix", "354012", "-start", "354000", "-end", "354999"}, exitUsage, "not both"},
		{"add short", []string{"ranges", "add", "-prefix", "35401"}, exitUsage, "6 to 11 digits"},
		{"add letters", []string{"ranges", "add", "-prefix", "35401a"}, exitUsage, "6 to 11 digits"},
		{"add reversed", []string{"ranges", "add", "-start", "359000", "-end", "352000"}, exitUsage, "the lower first"},
		{"add unequal", []string{"ranges", "add", "-start", "352000", "-end", "3590000"}, exitUsage, "same length"},
		{"add start only", []string{"ranges", "add", "-start", "352000"}, exitUsage, "is required"},
		{"add bad note", []string{"ranges", "add", "-prefix", "411111", "-note", " x"}, exitUsage, "-note has leading"},
		{"remove", []string{"ranges", "remove", "-id", "4"}, exitOK, "removed range 4"},
		{"remove again", []string{"ranges", "remove", "-id", "4"}, exitFail, "no range with id 4"},
		{"remove without id", []string{"ranges", "remove"}, exitUsage, "-id is required"},
		{"remove bad id", []string{"ranges", "remove", "-id", "x"}, exitUsage, "-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(t, append(tt.args, "-db", s.db)...)
			wantRun(t, code, out, errOut, tt.code, tt.out)
		})
	}
	_, out, _ := cli(t, "ranges", "list", "-json", "-db", s.db)
	var rows []struct {
		ID       int64
		Start    string
		Eligible bool
		Note     string
		Branding *struct{ Name, Phone, Color string }
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 3 {
		t.Fatalf("list -json: %v %q", err, out)
	}
	if b := rows[1].Branding; rows[1].ID != 3 || b == nil || b.Name != "Gold Card" || b.Phone != "0120-111-111" || b.Color != "#7a5c00" || rows[0].Branding != nil {
		t.Errorf("list -json: %q; want range 3's branding and none for range 1", out)
	}
	for _, id := range []string{"1", "2", "3"} {
		if code, _, errOut := cli(t, "ranges", "remove", "-id", id, "-db", s.db); code != exitOK {
			t.Fatal(errOut)
		}
	}
	if _, out, _ := cli(t, "ranges", "list", "-db", s.db); !strings.Contains(out, "no ranges: every card is served") {
		t.Errorf("empty list: %q", out)
	}
}

func TestRangesExport(t *testing.T) {
	s := prepare(t) // the demo ranges: 352800-358999 eligible, 354099 not
	export := func(t *testing.T, args ...string) []map[string]any {
		t.Helper()
		code, out, errOut := cli(t, append(append([]string{"ranges", "export"}, args...), "-db", s.db)...)
		if code != exitOK {
			t.Fatalf("export: %d %s", code, errOut)
		}
		var got []map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("export is not JSON: %v %q", err, out)
		}
		return got
	}
	spans := func(rows []map[string]any) string {
		var b strings.Builder
		for _, r := range rows {
			fmt.Fprintf(&b, "%s-%s ", r["startRange"], r["endRange"])
		}
		return strings.TrimSpace(b.String())
	}
	got := export(t, "-edge-url", "https://acs.example/", "-attempts")
	// The not-eligible 354099 is a hole: the DS must not send its cards.
	if want := "3528000000000000-3540989999999999 3541000000000000-3589999999999999"; spans(got) != want {
		t.Errorf("spans %s, want %s", spans(got), want)
	}
	wantRow := `{"acsEndProtocolVersion":"2.3.1","acsInfoInd":["01","02"],"acsStartProtocolVersion":"2.1.0","actionInd":"A",` +
		`"endRange":"3540989999999999","startRange":"3528000000000000","threeDSMethodURL":"https://acs.example/3ds/v2/method"}`
	if len(got) == 0 || mustJSON(t, got[0]) != wantRow {
		t.Errorf("first row %s, want %s (keys sorted)", mustJSON(t, got), wantRow)
	}
	// An eligible range inside the hole is served again, as RangeOf
	// decides (the most specific range); an unrelated one is a span of its own.
	for _, add := range [][]string{{"-prefix", "3540995"}, {"-prefix", "411111"}} {
		if code, _, errOut := cli(t, append(append([]string{"ranges", "add"}, add...), "-db", s.db)...); code != exitOK {
			t.Fatal(errOut)
		}
	}
	if got, want := spans(export(t, "-length", "19")), "3528000000000000000-3540989999999999999 3540995000000000000-3540995999999999999 "+
		"3541000000000000000-3589999999999999999 4111110000000000000-4111119999999999999"; got != want {
		t.Errorf("spans %s, want %s", got, want)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-length", "12"}, "-length"},
		{[]string{"-edge-url", "acs.example"}, "-edge-url"},
	} {
		code, _, errOut := cli(t, append(append([]string{"ranges", "export"}, c.args...), "-db", s.db)...)
		wantRun(t, code, "", errOut, exitUsage, c.want)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
