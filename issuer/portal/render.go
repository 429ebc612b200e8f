package portal

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/sms"
)

//go:embed templates static
var files embed.FS

// pages holds every page parsed together with the layout.
type pages struct {
	byName map[string]*template.Template
}

// loadPages parses templates/layout.html with each other
// templates/<page>.html. The translation functions are placeholders here
// and bound to the request's language in render.
func loadPages() (*pages, error) {
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("portal: templates: %w", err)
	}
	p := &pages{byName: make(map[string]*template.Template)}
	for _, n := range names {
		page := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if page == "layout" {
			continue
		}
		t, err := template.New("layout.html").Option("missingkey=error").Funcs(funcs("ja")).
			ParseFS(files, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("portal: parse %s: %w", n, err)
		}
		p.byName[page] = t
	}
	return p, nil
}

// funcs are the template functions for one language.
func funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"t":  func(key string) string { return translate(lang, key) },
		"tf": func(key string, args ...any) string { return fmt.Sprintf(translate(lang, key), args...) },
	}
}

// view is what every template sees.
type view struct {
	// Data is the page's own data.
	Data any
	// CSRF is the token every form posts as the field csrf.
	CSRF string
	Lang string
	// Card is the managed card (nil before sign-in); Cards every card of
	// the signed-in person, for the card switcher.
	Card  *cardView
	Cards []cardView
	// Flash is the translated message of the previous POST, if any.
	Flash string
	// Path is the page's path, for the language switch to come back to.
	Path string
}

// cardView is a card as the header and the switcher show it: never more
// than the last 4 digits and masked addresses.
type cardView struct {
	ID                 int64
	Last4              string
	Email, Phone       string // masked: ***@mail.jp, ***-****-1234
	Method             string // catalogue key method.<kind>
	Current            bool
	MessageProvisional bool
	Stopped            bool
}

func newCardView(c issuer.Cardholder, current bool) cardView {
	v := cardView{ID: c.ID, Last4: c.Last4, Method: "method." + string(c.PreferredMethod), Current: current,
		MessageProvisional: c.MessageProvisional, Stopped: !c.ServiceStoppedAt.IsZero()}
	if c.Email != "" {
		v.Email = dispatch.MaskEmail(c.Email)
	}
	if c.Phone != "" {
		v.Phone = sms.MaskPhone(c.Phone)
	}
	return v
}

// render executes templates/<page>.html inside the layout with data and
// writes it with status. sess is nil before sign-in.
func (s *Server) render(w http.ResponseWriter, r *http.Request, sess *Session, status int, page string, data any) {
	t, ok := s.pages.byName[page]
	if !ok {
		s.serverError(w, r, sess, fmt.Errorf("portal: no page %q", page))
		return
	}
	v := view{Data: data, Path: r.URL.Path}
	if sess != nil {
		v.Lang, v.CSRF = sess.Locale, sess.CSRF
		if sess.flash != "" {
			v.Flash = translate(v.Lang, sess.flash)
		}
		cards, err := s.store.PersonCards(r.Context(), sess.PersonID)
		if err != nil {
			s.log.Error("portal: cards for header", "err", err)
		}
		for _, c := range cards {
			cv := newCardView(c, c.ID == sess.CardholderID)
			v.Cards = append(v.Cards, cv)
			if cv.Current {
				v.Card = &cv
			}
		}
	} else {
		v.Lang, v.CSRF = s.lang(r), s.preCSRF(w, r)
	}
	c, err := t.Clone()
	if err == nil {
		var b bytes.Buffer
		if err = c.Funcs(funcs(v.Lang)).Execute(&b, v); err == nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Language", v.Lang)
			w.WriteHeader(status)
			w.Write(b.Bytes())
			return
		}
	}
	s.log.Error("portal: render", "page", page, "err", err)
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}

// errorPage is the data of templates/error.html: Key is the catalogue key
// of what went wrong.
type errorPage struct {
	Key string
}

// fail renders the error page with status and the message key.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, sess *Session, status int, key string) {
	s.render(w, r, sess, status, "error", errorPage{Key: key})
}

// serverError logs err and answers 500 without details.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, sess *Session, err error) {
	s.log.Error("portal: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	s.fail(w, r, sess, http.StatusInternalServerError, "error.server")
}

// notFound answers 404 for a path the portal does not have.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		sess = nil
	}
	s.fail(w, r, sess, http.StatusNotFound, "error.notfound")
}
