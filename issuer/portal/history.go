package portal

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/honnin/honnin/edge/money"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/safetext"
)

// HistoryPageSize is how many authentications a history page shows.
const HistoryPageSize = 20

// maxHistoryPage bounds ?page so an offset stays small.
const maxHistoryPage = 1000

// maxAuthIDLen bounds the authentication id a report form posts (ids are
// 26 characters).
const maxAuthIDLen = 64

type historyRow struct {
	ID                     string
	Merchant, Amount, Date string
	Outcome, Method        string // catalogue keys
	// Reported: the cardholder said "this was not me" of it.
	Reported bool
}

type historyPage struct {
	Rows       []historyRow
	Page       int
	Prev, Next int // 0: none
	// CanReport: the portal takes reports (Config.Fraud is set).
	CanReport bool
}

// history is GET /portal/history?page=N: the managed card's recent
// authentications, newest first, so a cardholder can spot a purchase they
// did not make and report it.
func (s *Server) history(w http.ResponseWriter, r *http.Request, sess *Session) {
	page, ok := historyPageOf(r.URL.Query().Get("page"))
	if !ok {
		s.fail(w, r, sess, http.StatusBadRequest, "error.bad_request")
		return
	}
	list, more, err := s.store.CardHistory(r.Context(), sess.CardholderID, (page-1)*HistoryPageSize, HistoryPageSize)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	ids := make([]string, 0, len(list))
	for _, a := range list {
		ids = append(ids, a.ID)
	}
	reported, err := s.store.FraudReported(r.Context(), sess.CardholderID, ids)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	p := historyPage{Page: page, CanReport: s.cfg.Fraud != nil}
	if page > 1 {
		p.Prev = page - 1
	}
	if more {
		p.Next = page + 1
	}
	for _, a := range list {
		method := "method.none"
		if a.Method != "" {
			method = "method." + string(a.Method)
		}
		_, rep := reported[a.ID]
		p.Rows = append(p.Rows, historyRow{
			ID:       a.ID,
			Merchant: safetext.Clean(a.MerchantName, 60),
			Amount:   money.Format(a.Amount, a.Currency, sess.Locale),
			Date:     formatTime(a.CreatedAt, sess.Locale),
			Outcome:  outcomeKey(a),
			Method:   method,
			Reported: rep,
		})
	}
	s.render(w, r, sess, http.StatusOK, "history", p)
}

// historyPageOf reads ?page: 1 when absent.
func historyPageOf(v string) (int, bool) {
	if v == "" {
		return 1, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxHistoryPage {
		return 0, false
	}
	return n, true
}

// reportFraud is POST /portal/history/report with id (an authentication of
// the managed card) and page (the history page to come back to): the
// cardholder's "this was not me". The card is challenged on its next
// purchases, the purchase's device, address and merchant go on the risk
// deny list, and the operator is told (acs.Service.ReportFraud). Another
// card's authentication, an unknown one and a second report are refused
// with a page that says so, and change nothing.
func (s *Server) reportFraud(w http.ResponseWriter, r *http.Request, sess *Session) {
	if s.cfg.Fraud == nil {
		s.fail(w, r, sess, http.StatusNotFound, "error.notfound")
		return
	}
	id := r.PostFormValue("id")
	page, ok := historyPageOf(r.PostFormValue("page"))
	if id == "" || len(id) > maxAuthIDLen || !ok {
		s.fail(w, r, sess, http.StatusBadRequest, "error.bad_request")
		return
	}
	err := s.cfg.Fraud.ReportFraud(r.Context(), sess.CardholderID, id)
	var ref *acs.Refusal
	switch {
	case errors.As(err, &ref) && ref.Kind == acs.NotFound:
		s.fail(w, r, sess, http.StatusNotFound, "history.report_unknown")
		return
	case errors.As(err, &ref) && ref.Kind == acs.Conflict:
		s.fail(w, r, sess, http.StatusConflict, "history.report_again")
		return
	case err != nil:
		s.serverError(w, r, sess, err)
		return
	}
	back := "/portal/history"
	if page > 1 {
		back += "?page=" + strconv.Itoa(page)
	}
	s.redirect(w, r, back, "history.reported")
}

// outcomeKey names an authentication's outcome in words a cardholder
// reads: the status, refined by how it came about.
func outcomeKey(a issuer.Authentication) string {
	switch {
	case a.Status == "Y" && a.Decision == "frictionless":
		return "outcome.frictionless"
	case a.Status == "Y":
		return "outcome.ok"
	case a.Status == "N" && a.Reason == "not_enrolled":
		return "outcome.not_enrolled"
	case a.Status == "N":
		return "outcome.failed"
	case a.Status == "R":
		return "outcome.refused"
	case a.Status == "C":
		return "outcome.open"
	default:
		return "outcome.other"
	}
}
