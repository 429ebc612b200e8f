package shop

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/contract"
)

type productData struct {
	Product    product
	CSRF       string
	DemoCards  []string
	Error      string
	Quantities []quantityOption
	// EMV is the DS simulator's 3DS Requestor page, "" for none.
	EMV string
}

// quantityOption is one choice of the quantity list and its total.
type quantityOption struct {
	N     int
	Total int64
}

// quantities are the choices offered: up to ¥3,000 the issuer's default
// rules allow a known device through without a screen; ¥50,000 is large.
func quantities(p product) []quantityOption {
	var out []quantityOption
	for _, n := range []int{1, 2, 5, 10, maxQuantity} {
		out = append(out, quantityOption{N: n, Total: p.Amount * int64(n)})
	}
	return out
}

func (s *Shop) home(w http.ResponseWriter, r *http.Request) {
	sid := s.sessions.ensure(w, r)
	s.render(w, http.StatusOK, "product.html", matcha.Name, productData{
		Product: matcha, CSRF: s.sessions.csrf(sid), DemoCards: s.cfg.DemoCards, Quantities: quantities(matcha), EMV: s.cfg.EMVRequestor,
	})
}

// productError shows the product page again with a message.
func (s *Shop) productError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	sid := s.sessions.ensure(w, r)
	s.render(w, status, "product.html", matcha.Name, productData{
		Product: matcha, CSRF: s.sessions.csrf(sid), DemoCards: s.cfg.DemoCards, Error: msg, Quantities: quantities(matcha), EMV: s.cfg.EMVRequestor,
	})
}

// checkout creates the authentication at the issuer for a new order. It
// answers 303 to the challenge page (C) or to the order page (N/U/R), so a
// reload never buys twice.
func (s *Shop) checkout(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			s.errorPage(w, http.StatusRequestEntityTooLarge, "Form too large", "The form was larger than the shop accepts.")
			return
		}
		s.errorPage(w, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return
	}
	fields := []string{"csrf", "card"}
	if r.PostForm.Has("qty") {
		fields = append(fields, "qty")
	}
	form, ok := formFields(r, fields...)
	if !ok {
		s.errorPage(w, http.StatusBadRequest, "Bad request", "The form has missing, repeated or unknown fields.")
		return
	}
	sid := s.sessions.id(r)
	if !s.sessions.checkCSRF(sid, form["csrf"]) {
		s.log.Warn("shop: checkout without a valid CSRF token", "has_session", sid != "")
		s.errorPage(w, http.StatusForbidden, "Session expired",
			"This form is no longer valid (the shop restarted or cookies are off). Go back to the shop and try again.")
		return
	}
	card, ok := cardNumber(form["card"])
	if !ok {
		s.productError(w, r, http.StatusBadRequest, "Enter a card number of 12 to 19 digits.")
		return
	}
	qty, given := form["qty"]
	if !given {
		qty = "1"
	}
	item, ok := quantity(matcha, qty)
	if !ok {
		s.productError(w, r, http.StatusBadRequest, fmt.Sprintf("Choose a quantity from 1 to %d.", maxQuantity))
		return
	}

	id := newOrderID()
	a, err := s.issuer.create(r.Context(), createAuthentication{
		CardNumber:     card,
		Amount:         item.Amount,
		Currency:       item.Currency,
		MerchantName:   merchantName,
		MerchantOrigin: s.cfg.Origin,
		OrderRef:       id,
	})
	if err != nil {
		var refusal *issuerRefusal
		switch {
		case errors.As(err, &refusal) && (refusal.Status == http.StatusUnauthorized || refusal.Status == http.StatusForbidden):
			// The shop's own configuration is wrong; the shopper cannot fix it.
			s.log.Error("shop: the issuer refused the shop's API key", "order", id, "err", err)
			s.errorPage(w, http.StatusBadGateway, "Payment unavailable", "The shop cannot reach its card issuer right now. Nothing was charged.")
		case errors.As(err, &refusal):
			s.log.Info("shop: the issuer refused the checkout", "order", id, "code", refusal.Code)
			msg := refusal.Message
			if msg == "" {
				msg = refusal.Code
			}
			s.productError(w, r, http.StatusBadRequest, "The card issuer refused this card: "+msg)
		default:
			s.log.Error("shop: create authentication", "order", id, "err", err)
			s.errorPage(w, http.StatusBadGateway, "Payment unavailable", "The card issuer could not be reached. Nothing was charged; try again in a moment.")
		}
		return
	}

	ord := order{
		ID: id, Session: sid, Product: item, Last4: card[len(card)-4:], Created: time.Now(),
		AuthenticationID: a.ID,
	}
	if a.Status == contract.StatusChallenge {
		ord.Stage, ord.SessionToken, ord.Status = awaiting, a.SessionToken, a.Status
		s.orders.add(ord)
		s.log.Info("shop: order awaiting authentication", "order", id, "authentication", a.ID)
		http.Redirect(w, r, "/pay/"+id, http.StatusSeeOther)
		return
	}
	ord.Stage, ord.Status, ord.Reason = noChallenge, a.Status, a.Reason
	s.orders.add(ord)
	s.log.Info("shop: order without authentication", "order", id, "authentication", a.ID, "status", a.Status, "reason", a.Reason)
	http.Redirect(w, r, "/orders/"+id, http.StatusSeeOther)
}

type payData struct {
	Order order
	Edge  string
	CSRF  string
}

// pay shows the page that mounts the challenge iframe.
func (s *Shop) pay(w http.ResponseWriter, r *http.Request) {
	sid := s.sessions.id(r)
	ord, ok := s.orders.get(r.PathValue("id"), sid)
	if !ok {
		s.errorPage(w, http.StatusNotFound, "Order not found", "There is no such order in this browser session.")
		return
	}
	if ord.Stage != awaiting {
		http.Redirect(w, r, "/orders/"+ord.ID, http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, "pay.html", "Confirm your purchase", payData{Order: ord, Edge: s.cfg.Edge, CSRF: s.sessions.csrf(sid)})
}

// formFields returns the named fields, each present exactly once, and
// refuses a form with any other field, so a renamed field fails loudly.
func formFields(r *http.Request, names ...string) (map[string]string, bool) {
	if len(r.PostForm) != len(names) {
		return nil, false
	}
	out := make(map[string]string, len(names))
	for _, n := range names {
		v := r.PostForm[n]
		if len(v) != 1 {
			return nil, false
		}
		out[n] = v[0]
	}
	return out, true
}

// maxQuantity caps one order. 40 sets (¥50,000) lets the demo show what
// the issuer's risk rules make of a large amount.
const maxQuantity = 40

// quantity returns the order's line: p times the quantity chosen, with
// the total as its amount.
func quantity(p product, in string) (product, bool) {
	n, err := strconv.Atoi(in)
	if err != nil || n < 1 || n > maxQuantity {
		return product{}, false
	}
	if n > 1 {
		p.Name = fmt.Sprintf("%s × %d", p.Name, n)
		p.Amount *= int64(n)
	}
	return p, true
}

// cardNumber accepts a card number typed with spaces or hyphens and
// returns its 12 to 19 digits. Whether the number exists is the issuer's to say.
func cardNumber(in string) (string, bool) {
	var b strings.Builder
	for _, c := range in {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == ' ' || c == '-':
		default:
			return "", false
		}
	}
	n := b.String()
	return n, len(n) >= 12 && len(n) <= 19
}
