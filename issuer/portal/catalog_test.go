package portal

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCatalogueComplete: every key is in both languages, and every key a
// template or a handler names exists.
func TestCatalogueComplete(t *testing.T) {
	for _, c := range catalogues {
		for k := range c["ja"] {
			if _, ok := c["en"][k]; !ok {
				t.Errorf("%q is in ja but not en", k)
			}
		}
		for k := range c["en"] {
			if _, ok := c["ja"][k]; !ok {
				t.Errorf("%q is in en but not ja", k)
			}
		}
	}

	used := map[string]string{}
	inTemplate := regexp.MustCompile(`\{\{-?\s*(?:t|tf) "([a-z_.]+)"`)
	tmpls, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range tmpls {
		b, err := files.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range inTemplate.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = n
		}
	}
	// Keys handlers pass: string literals of the form "<feature>.<name>"
	// whose feature is one the catalogue uses.
	features := map[string]bool{}
	for k := range catalogue["en"] {
		f, _, _ := strings.Cut(k, ".")
		features[f] = true
	}
	inGo := regexp.MustCompile(`"([a-z]+)\.([a-z_]+)"`)
	gofiles, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range gofiles {
		if strings.HasSuffix(n, "_test.go") || strings.HasPrefix(n, "catalog") {
			continue
		}
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range inGo.FindAllStringSubmatch(string(b), -1) {
			if features[m[1]] && m[2] != "html" && m[2] != "css" {
				used[m[1]+"."+m[2]] = n
			}
		}
	}
	if len(used) < 50 {
		t.Fatalf("found only %d keys in use; the scan is broken", len(used))
	}
	for k, where := range used {
		for _, lang := range []string{"ja", "en"} {
			if _, ok := catalogue[lang][k]; !ok {
				t.Errorf("%s uses %q, missing in %s", where, k, lang)
			}
		}
	}
	// method.<kind> and outcome keys are built from data.
	for _, kind := range []string{"email", "sms", "app", "token", "password", "none"} {
		if translate("en", "method."+kind) == "method."+kind {
			t.Errorf("method.%s missing", kind)
		}
	}
}
