package emvpages

import (
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/assets"
	"github.com/honnin/honnin/edge/emv3ds"
)

var inlineRE = regexp.MustCompile(`<script>([^<]*)</script>`)

// TestInlineScriptsMatchTheirHash: each page's one inline script is the
// one its CSP allows by hash (a script edited without its hash would be
// blocked in every browser, and the page would post nothing), and the
// page has no other inline script, style or event handler.
func TestInlineScriptsMatchTheirHash(t *testing.T) {
	c := assets.ClientPaths{Wasm: "/assets/challenge.0123456789ab.wasm", WasmExec: "/assets/wasm_exec.0123456789ab.js", Loader: "/assets/loader.0123456789ab.js"}
	for name, tt := range map[string]struct {
		page []byte
		csp  string
	}{
		"post":   {postPage("https://r.example/n?a=1&b=2", field{"cres", "abc"}), postCSP("https://r.example")},
		"method": {methodPage(c, "t.o.k", "https://r.example/m", field{"threeDSMethodData", "abc"}), methodCSP("https://r.example")},
	} {
		body := string(tt.page)
		m := inlineRE.FindAllStringSubmatch(body, -1)
		if len(m) != 1 {
			t.Fatalf("%s: %d inline scripts in %s", name, len(m), body)
		}
		sum := sha256.Sum256([]byte(m[0][1]))
		if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(tt.csp, "script-src "+h) &&
			!strings.Contains(tt.csp, "'wasm-unsafe-eval' "+h) {
			t.Errorf("%s: CSP %q does not allow the script (%s)", name, tt.csp, h)
		}
		if strings.Contains(body, "style") || strings.Contains(body, " on") {
			t.Errorf("%s: inline style or handler in %s", name, body)
		}
		if !strings.Contains(body, `id="post"`) || !strings.Contains(body, "<noscript>") {
			t.Errorf("%s: no form #post with its noscript button", name)
		}
	}
}

// TestPagesEscape: what comes from outside (the URL, the fields, the
// Erro's texts) cannot leave its attribute or text.
func TestPagesEscape(t *testing.T) {
	const evil = `"><script>alert(1)</script>`
	for name, page := range map[string][]byte{
		"post":    postPage("https://r.example/n?q="+evil, field{"cres", evil}),
		"message": messagePage(evil, evil),
		"erro":    erroPage(&emv3ds.Erro{ErrorCode: evil, ErrorComponent: "A", ErrorDescription: evil, ErrorDetail: evil}),
	} {
		if strings.Contains(string(page), evil) || strings.Count(string(page), "<script>") > 1 {
			t.Errorf("%s reflects markup: %s", name, page)
		}
	}
}

func TestNotificationOrigin(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"https://requestor.example/3ds/notify", "https://requestor.example"},
		{"https://requestor.example:8443/n?order=1&x=%20y#f", "https://requestor.example:8443"},
		{"HTTPS://Requestor.Example/n", "https://requestor.example"},
		{"http://127.0.0.1:8080/n", "http://127.0.0.1:8080"},
		{"", ""},
		{"/relative", ""},
		{"//requestor.example/n", ""},
		{"javascript:alert(1)", ""},
		{"data:text/html,x", ""},
		{"ftp://requestor.example/n", ""},
		{"https://user@requestor.example/n", ""},
		{"https://a.example\\@b.example/", ""},
		{"https://requestor.example;script-src */n", ""},
		{"https://requestor.example /n", ""},
		{"https://requestor.example\n/n", ""},
		{"https:requestor.example/n", ""},
		{"https://requestor.example/" + strings.Repeat("a", maxNotificationURL), ""},
	} {
		got, err := notificationOrigin(tt.url)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("notificationOrigin(%q) = %q, %v; want %q", tt.url, got, err, tt.want)
		}
	}
}

func TestBase64URL(t *testing.T) {
	for s, want := range map[string]bool{
		"": true, "abcXYZ019-_": true, "abc=": true, "ab==": true,
		"a===": false, "a=b": false, "a+b": false, "a/b": false, "a b": false, "é": false,
	} {
		if base64URL(s) != want {
			t.Errorf("base64URL(%q) = %v", s, !want)
		}
	}
}
