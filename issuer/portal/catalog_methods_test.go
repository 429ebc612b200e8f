package portal

import (
	"os"
	"regexp"
	"testing"
)

// TestMethodCatalogue: every key the method, contact, app and token pages
// use exists in ja and en — the literal keys of their handlers (three
// parts, which TestCatalogueComplete's scan does not see) and the keys
// their templates build from data.
func TestMethodCatalogue(t *testing.T) {
	used := map[string]bool{}
	literal := regexp.MustCompile(`"((?:methods|contact|app|tokens)\.[a-z_]+(?:\.[a-z_]+)*)"`)
	for _, n := range []string{"method.go", "contact.go", "app.go", "tokens.go"} {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
	}
	if len(used) < 30 {
		t.Fatalf("found only %d keys in the handlers; the scan is broken", len(used))
	}
	built := map[string][]string{
		"methods.state.contact.": {"email", "sms"},
		"methods.what.":          {"email", "sms", "app", "token", "password"},
		"contact.title.":         {"email", "sms"},
		"contact.for_method.":    {"email", "sms"},
		"contact.none.":          {"email", "sms"},
		"contact.new.":           {"email", "sms"},
		"contact.note.":          {"email", "sms"},
		"contact.sent.":          {"email", "sms"},
		"contact.flash.changed.": {"email", "sms"},
		"app.state.":             {"active", "locked"},
		"tokens.state.":          {"active", "locked", "lost"},
		"tokens.reason.":         {"cardholder", "failures", "operator"},
	}
	for prefix, tails := range built {
		for _, tail := range tails {
			used[prefix+tail] = true
		}
	}
	for k := range used {
		for _, lang := range []string{"ja", "en"} {
			if _, ok := catalogue[lang][k]; !ok {
				t.Errorf("%q missing in %s", k, lang)
			}
		}
	}
}
