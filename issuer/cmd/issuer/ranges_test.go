package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRangesCommands(t *testing.T) {
	s := prepare(t) // the demo seed adds the two demo ranges: ids 1 and 2
	tests := []struct {
		name string
		args []string
		code int
		out  string // stdout on success, stderr otherwise
	}{
		{"list", []string{"ranges", "list"}, exitOK, "354099"},
		{"add prefix", []string{"ranges", "add", "-prefix", "35401234567", "-brand", "JCB", "-note", "gold"}, exitOK, "added range 3: 35401234567 eligible"},
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
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 3 {
		t.Fatalf("list -json: %v %q", err, out)
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
	code, out, errOut := cli(t, "ranges", "export", "-edge-url", "https://acs.example/", "-attempts", "-db", s.db)
	if code != exitOK {
		t.Fatalf("export: %d %s", code, errOut)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("export is not JSON: %v %q", err, out)
	}
	want := `[{"startRange":"3528000000000000","endRange":"3589999999999999","actionInd":"A","acsStartProtocolVersion":"2.1.0",` +
		`"acsEndProtocolVersion":"2.3.1","threeDSMethodURL":"https://acs.example/3ds/v2/method","acsInfoInd":["01","02"]}]`
	var wantRows []map[string]any
	if err := json.Unmarshal([]byte(want), &wantRows); err != nil {
		t.Fatal(err)
	}
	if b1, _ := json.Marshal(got); string(b1) != mustJSON(t, wantRows) {
		t.Errorf("export:\n%s\nwant\n%s", b1, mustJSON(t, wantRows))
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
