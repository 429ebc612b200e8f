package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/honnin/honnin/issuer/api"
)

func TestMerchantCommands(t *testing.T) {
	s := prepare(t)
	code, out, errOut := cli(t, "merchant", "add", "-db", s.db, "-name", "Tea Shop", "-origin", "https://tea.example", "-origin", "http://localhost:9000")
	m := regexp.MustCompile(`(?m)^api-key (hk_\w+)$`).FindStringSubmatch(out)
	if code != exitOK || m == nil {
		t.Fatalf("merchant add: %d %q %q", code, out, errOut)
	}
	// Only the key's hash is stored: the printed key finds the merchant.
	st, _, err := openStore(t.Context(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.MerchantByKeyHash(t.Context(), api.HashAPIKey(m[1]))
	st.Close()
	if err != nil || got.Name != "Tea Shop" || len(got.Origins) != 2 {
		t.Fatalf("stored merchant %+v %v", got, err)
	}

	tests := []struct {
		name string
		args []string
		code int
		out  string // stdout on success, stderr otherwise
	}{
		{"add duplicate", []string{"merchant", "add", "-name", "Tea Shop", "-origin", "https://tea.example"}, exitFail, "exists already"},
		{"add without origin", []string{"merchant", "add", "-name", "X"}, exitUsage, "-origin is required"},
		{"add without name", []string{"merchant", "add", "-origin", "https://x.example"}, exitUsage, "-name is required"},
		{"add bad origin", []string{"merchant", "add", "-name", "X", "-origin", "https://x.example/"}, exitUsage, "no path, trailing slash"},
		{"add name with a newline", []string{"merchant", "add", "-name", "X\nY", "-origin", "https://x.example"}, exitUsage, "-name contains a control"},
		{"add upper-case origin", []string{"merchant", "add", "-name", "X", "-origin", "https://X.example"}, exitUsage, "lower-case"},
		{"origins list", []string{"merchant", "origins", "-name", "Tea Shop"}, exitOK, "http://localhost:9000\nhttps://tea.example\n"},
		{"origins add and remove", []string{"merchant", "origins", "-name", "Tea Shop", "-add", "https://tea2.example", "-remove", "http://localhost:9000"},
			exitOK, "https://tea.example\nhttps://tea2.example\n"},
		{"origins remove unknown", []string{"merchant", "origins", "-name", "Tea Shop", "-add", "https://tea3.example", "-remove", "https://nope.example"},
			exitFail, "has no origin https://nope.example (nothing changed)"},
		{"origins unchanged by the refusal", []string{"merchant", "origins", "-name", "Tea Shop"}, exitOK, "https://tea.example\nhttps://tea2.example\n"},
		{"origins bad add", []string{"merchant", "origins", "-name", "Tea Shop", "-add", "tea.example"}, exitUsage, "http://"},
		{"origins unknown merchant", []string{"merchant", "origins", "-name", "Nope"}, exitFail, `no merchant named "Nope"`},
		{"origins without name", []string{"merchant", "origins"}, exitUsage, "-name is required"},
		{"list", []string{"merchant", "list"}, exitOK, "Tea Shop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(t, append(tt.args, "-db", s.db)...)
			wantRun(t, code, out, errOut, tt.code, tt.out)
		})
	}

	_, out, _ = cli(t, "merchant", "list", "-db", s.db, "-json")
	var rows []struct {
		Name    string
		Origins []string
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 2 || rows[0].Name != "Demo Shop" || rows[1].Name != "Tea Shop" {
		t.Errorf("list -json: %v %q", err, out)
	}
	if strings.Contains(out, m[1]) {
		t.Error("list shows the API key")
	}
}
