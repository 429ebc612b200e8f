package main

import (
	"database/sql"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/honnin/honnin/issuer"
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
	got, err := st.MerchantByKeyHash(t.Context(), issuer.HashAPIKey(m[1]))
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

// TestMerchantNamesCommands: the operator sets the names cardholders are
// shown (issue 12: never the request's own text), each checked by the
// API's rules for a merchant_name, all changes or none.
func TestMerchantNamesCommands(t *testing.T) {
	s := prepare(t)
	long := strings.Repeat("n", 70)
	tests := []struct {
		name   string
		args   []string
		code   int
		out    string // stdout on success, stderr otherwise
		stderr string // also on stderr, on success
	}{
		{"add with a display name", []string{"merchant", "add", "-name", "tea-co", "-display-name", "Tea House", "-origin", "https://tea.example", "-origin", "http://localhost:9000"},
			exitOK, `merchant "tea-co" id 2 display-name "Tea House"`, ""},
		{"add, display name defaults to the name", []string{"merchant", "add", "-name", "Plain Shop", "-origin", "https://plain.example"},
			exitOK, `display-name "Plain Shop"`, ""},
		{"add, name too long to show", []string{"merchant", "add", "-name", long, "-origin", "https://x.example"}, exitUsage, "give -display-name", ""},
		{"add, long name with a display name", []string{"merchant", "add", "-name", long, "-display-name", "Short", "-origin", "https://x.example"},
			exitOK, `display-name "Short"`, ""},
		{"add, display name too long", []string{"merchant", "add", "-name", "X", "-display-name", strings.Repeat("店", 65), "-origin", "https://x.example"},
			exitUsage, "at most 64 characters", ""},
		{"add, display name with a newline", []string{"merchant", "add", "-name", "X", "-display-name", "Shop\nCall 0120", "-origin", "https://x.example"},
			exitUsage, "contains a control", ""},
		{"add, display name with a bidi override", []string{"merchant", "add", "-name", "X", "-display-name", "Shop\u202Epohs", "-origin", "https://x.example"},
			exitUsage, "contains a control", ""},
		{"add, display name with spaces", []string{"merchant", "add", "-name", "X", "-display-name", " Shop", "-origin", "https://x.example"},
			exitUsage, "leading or trailing", ""},

		{"list names", []string{"merchant", "names", "-name", "tea-co"}, exitOK,
			"display-name \"Tea House\"\norigin http://localhost:9000 shows \"Tea House\"\norigin https://tea.example shows \"Tea House\"\n", ""},
		{"set an origin's name", []string{"merchant", "names", "-name", "tea-co", "-origin", "https://tea.example", "-display-name", "Tea House Online"},
			exitOK, "origin http://localhost:9000 shows \"Tea House\"\norigin https://tea.example shows \"Tea House Online\" (its own)\n", ""},
		{"allow descriptors", []string{"merchant", "names", "-name", "tea-co", "-allow", "Tea House * Sencha", "-allow", "Tea House * Matcha"},
			exitOK, "descriptor \"Tea House * Matcha\"\ndescriptor \"Tea House * Sencha\"\n", ""},
		{"unknown origin", []string{"merchant", "names", "-name", "tea-co", "-origin", "https://nope.example", "-display-name", "X", "-allow", "Y"},
			exitFail, "has no origin https://nope.example (nothing changed", ""},
		{"unknown descriptor", []string{"merchant", "names", "-name", "tea-co", "-disallow", "Tea House * Hojicha", "-display-name", "Never"},
			exitFail, `has no descriptor "Tea House * Hojicha" (nothing changed)`, ""},
		{"unchanged by the refusals", []string{"merchant", "names", "-name", "tea-co"}, exitOK,
			"display-name \"Tea House\"\norigin http://localhost:9000 shows \"Tea House\"\norigin https://tea.example shows \"Tea House Online\" (its own)\n" +
				"descriptor \"Tea House * Matcha\"\ndescriptor \"Tea House * Sencha\"\n", ""},
		{"origin without a name", []string{"merchant", "names", "-name", "tea-co", "-origin", "https://tea.example"}, exitUsage, "-origin needs -display-name", ""},
		{"empty display name", []string{"merchant", "names", "-name", "tea-co", "-display-name", ""}, exitUsage, "-display-name is empty", ""},
		{"descriptor with a control", []string{"merchant", "names", "-name", "tea-co", "-allow", "Tea\tHouse"}, exitUsage, "contains a control", ""},
		{"bad origin", []string{"merchant", "names", "-name", "tea-co", "-origin", "tea.example", "-display-name", "X"}, exitUsage, "http://", ""},
		{"unknown merchant", []string{"merchant", "names", "-name", "Nope"}, exitFail, `no merchant named "Nope"`, ""},
		{"without name", []string{"merchant", "names"}, exitUsage, "-name is required", ""},
		{"rename: the old name is refused from now on", []string{"merchant", "names", "-name", "tea-co", "-display-name", "Tea Room", "-disallow", "Tea House * Matcha"},
			exitOK, "display-name \"Tea Room\"\norigin http://localhost:9000 shows \"Tea Room\"\n",
			`merchant_name "Tea House" are refused from now on`},
		{"clear an origin's name", []string{"merchant", "names", "-name", "tea-co", "-origin", "https://tea.example", "-display-name", ""},
			exitOK, "origin https://tea.example shows \"Tea Room\"\ndescriptor \"Tea House * Sencha\"\n",
			`merchant_name "Tea House Online" are refused`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(t, append(tt.args, "-db", s.db)...)
			if wantRun(t, code, out, errOut, tt.code, tt.out) && tt.code == exitOK && !strings.Contains(errOut, tt.stderr) {
				t.Errorf("stderr %q, want %q", errOut, tt.stderr)
			}
		})
	}

	_, out, _ := cli(t, "merchant", "list", "-db", s.db, "-json")
	type row struct {
		Name        string
		DisplayName string            `json:"display_name"`
		OriginNames map[string]string `json:"origin_names"`
		Descriptors []string
	}
	var rows []row
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("list -json: %v %q", err, out)
	}
	i := slices.IndexFunc(rows, func(r row) bool { return r.Name == "tea-co" })
	if i < 0 || rows[i].DisplayName != "Tea Room" || len(rows[i].OriginNames) != 0 || !slices.Equal(rows[i].Descriptors, []string{"Tea House * Sencha"}) {
		t.Errorf("list -json, tea-co: %q", out)
	}
}

// TestMerchantWatchCommands: the watch list names merchants by account,
// on each engine; names left from the old list are reported, not used.
func TestMerchantWatchCommands(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db string) {
		s := prepareDB(t, db)
		tests := []struct {
			name string
			args []string
			code int
			out  string // stdout on success, stderr otherwise
		}{
			{"empty", []string{"merchant", "watch", "list"}, exitOK, "no merchant is watched\n"},
			{"add", []string{"merchant", "watch", "add", "-name", "Demo Shop", "-note", "chargebacks"}, exitOK, `watching merchant "Demo Shop" id 1`},
			{"add again, new note", []string{"merchant", "watch", "add", "-name", "Demo Shop", "-note", "chargebacks, case 42"}, exitOK, `watching merchant "Demo Shop"`},
			{"list", []string{"merchant", "watch", "list"}, exitOK, "chargebacks, case 42"},
			{"add unknown", []string{"merchant", "watch", "add", "-name", "Nope"}, exitFail, `no merchant named "Nope"`},
			{"add without name", []string{"merchant", "watch", "add"}, exitUsage, "-name is required"},
			{"add, note with a newline", []string{"merchant", "watch", "add", "-name", "Demo Shop", "-note", "a\nb"}, exitUsage, "-note contains a control"},
			{"remove without name", []string{"merchant", "watch", "remove"}, exitUsage, "-name is required"},
			{"remove unknown", []string{"merchant", "watch", "remove", "-name", "Nope"}, exitFail, `no merchant named "Nope"`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				code, out, errOut := cli(t, append(tt.args, "-db", s.db)...)
				wantRun(t, code, out, errOut, tt.code, tt.out)
			})
		}

		_, out, _ := cli(t, "merchant", "watch", "list", "-db", s.db, "-json")
		var rows []struct {
			ID         int64
			Name, Note string
		}
		if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 || rows[0].Name != "Demo Shop" || rows[0].Note != "chargebacks, case 42" {
			t.Errorf("watch list -json: %v %q", err, out)
		}

		// A name the migration could not tie to a merchant is shown on
		// stderr, so the operator learns it is not in force.
		driver := "sqlite"
		if strings.HasPrefix(db, "postgres") {
			driver = "pgx"
		}
		raw, err := sql.Open(driver, s.db)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if _, err := raw.Exec(`INSERT INTO merchant_watchlist_names (name, note, added_at) VALUES ('Nobody Inc', '', 0)`); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := cli(t, "merchant", "watch", "list", "-db", s.db)
		if code != exitOK || !strings.Contains(out, "Demo Shop") || !strings.Contains(errOut, `["Nobody Inc"]`) {
			t.Errorf("list with an unmatched old name: %d %q %q", code, out, errOut)
		}

		for _, tt := range []struct {
			code int
			want string
		}{{exitOK, `no longer watching merchant "Demo Shop"`}, {exitFail, "is not on the watch list"}} {
			code, out, errOut := cli(t, "merchant", "watch", "remove", "-name", "Demo Shop", "-db", s.db)
			wantRun(t, code, out, errOut, tt.code, tt.want)
		}
	})
}
