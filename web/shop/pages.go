package shop

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strconv"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var funcs = template.FuncMap{
	"yen":        yen,
	"reasonText": reasonText,
	"statusText": statusText,
}

// pages maps a page name to its template: the layout plus that page's
// "content" block, parsed separately so the blocks do not collide.
var pages = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	for _, name := range []string{"product.html", "pay.html", "order.html", "error.html"} {
		m[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name))
	}
	return m
}()

// page is what every template gets: a title and the page's own data.
type page struct {
	Title string
	Data  any
}

// render executes into a buffer first so a template error becomes a clean
// 500 instead of half a page.
func (s *Shop) render(w http.ResponseWriter, status int, name, title string, data any) {
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", page{Title: title, Data: data}); err != nil {
		s.log.Error("shop: render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

type errorData struct {
	Status  int
	Heading string
	Message string
}

func (s *Shop) errorPage(w http.ResponseWriter, status int, heading, message string) {
	s.render(w, status, "error.html", heading, errorData{Status: status, Heading: heading, Message: message})
}

// yen formats an amount in yen the way Japanese shops print it: ¥1,250.
func yen(amount int64) string {
	neg := amount < 0
	if neg {
		amount = -amount
	}
	digits := strconv.FormatInt(amount, 10)
	var b []byte
	for i, d := range []byte(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, d)
	}
	if neg {
		return "-¥" + string(b)
	}
	return "¥" + string(b)
}

// statusText explains an EMV transStatus to the shopper.
func statusText(status string) string {
	switch status {
	case "Y":
		return "authenticated"
	case "N":
		return "authentication failed"
	case "U":
		return "authentication unavailable"
	case "A":
		return "authentication attempted"
	case "R":
		return "rejected by the card issuer"
	case "C":
		return "waiting for authentication"
	}
	return "unknown"
}

// reasonText explains the reason words of a result.
func reasonText(reason string) string {
	switch reason {
	case "":
		return ""
	case "max_attempts":
		return "too many wrong codes"
	case "cardholder_cancelled":
		return "you cancelled the authentication"
	case "auth_failed":
		return "the code was wrong"
	case "expired":
		return "the authentication timed out"
	case "denied":
		return "the card issuer declined it"
	case "not_enrolled":
		return "the card is not enrolled in authentication"
	}
	return "reported by the card issuer"
}
