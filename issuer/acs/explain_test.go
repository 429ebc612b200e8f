package acs

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/honnin/honnin/issuer/store"
)

// TestExplanationKinds: each stored reason is evidence (one is needed to
// deny), a signal (including the negative ones) or a note (no points),
// and the merchant's categories are those of the reasons that raised the
// score.
func TestExplanationKinds(t *testing.T) {
	tests := []struct {
		name    string
		reasons string
		kinds   []string
		cats    []string
	}{
		{"none", `[]`, []string{}, []string{}},
		{"before the start", ``, []string{}, []string{}},
		{"known device lowers", `[{"code":"known_device","points":-40}]`, []string{"known_device signal -40"}, []string{}},
		{"evidence and signals", `[{"code":"new_device","points":15},{"code":"recent_failures","points":30},{"code":"denylisted_address","points":40}]`,
			[]string{"new_device signal 15", "recent_failures evidence 30", "denylisted_address evidence 40"}, []string{"account", "device", "location"}},
		{"provider is evidence, also at 0", `[{"code":"known_device","points":-40},{"code":"provider","points":0}]`,
			[]string{"known_device signal -40", "provider evidence 0"}, []string{}},
		{"provider raising", `[{"code":"provider","points":40}]`, []string{"provider evidence 40"}, []string{"provider"}},
		{"notes", `[{"code":"webdriver","points":40},{"code":"deny_needs_evidence","points":0},{"code":"amount_above_frictionless_cap","points":0},{"code":"provider_opted_out","points":0}]`,
			[]string{"webdriver signal 40", "deny_needs_evidence note 0", "amount_above_frictionless_cap note 0", "provider_opted_out note 0"}, []string{"device"}},
		{"a rule since removed", `[{"code":"old_rule","points":10}]`, []string{"old_rule signal 10"}, []string{"provider"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := explanationOf(store.Explanation{ID: "A", Reasons: tt.reasons, Signals: "{}"})
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, r := range e.Rules {
				got = append(got, r.Code+" "+r.Kind+" "+strconv.Itoa(r.Points))
			}
			if !slices.Equal(got, tt.kinds) || !slices.Equal(e.MerchantCategories, tt.cats) || e.Signals != nil {
				t.Errorf("rules %q categories %q signals %s; want %q %q none", got, e.MerchantCategories, e.Signals, tt.kinds, tt.cats)
			}
		})
	}
	for _, bad := range []store.Explanation{
		{ID: "A", Reasons: `{not json`},
		{ID: "A", Reasons: `[]`, Signals: `{"ip":`},
		{ID: "A", Reasons: `[]`, Facts: `nope`},
	} {
		if _, err := explanationOf(bad); err == nil || !strings.Contains(err.Error(), "explain A") {
			t.Errorf("%+v: %v, want an error", bad, err)
		}
	}
}
