package portal

import (
	"net/http"
	"strconv"

	"github.com/honnin/honnin/edge/money"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/safetext"
)

// HistoryPageSize is how many authentications a history page shows.
const HistoryPageSize = 20

// maxHistoryPage bounds ?page so an offset stays small.
const maxHistoryPage = 1000

type historyRow struct {
	Merchant, Amount, Date string
	Outcome, Method        string // catalogue keys
}

type historyPage struct {
	Rows       []historyRow
	Page       int
	Prev, Next int // 0: none
}

// history is GET /portal/history?page=N: the managed card's recent
// authentications, newest first, so a cardholder can spot a purchase they
// did not make.
func (s *Server) history(w http.ResponseWriter, r *http.Request, sess *Session) {
	page := 1
	if v := r.URL.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxHistoryPage {
			s.fail(w, r, sess, http.StatusBadRequest, "error.bad_request")
			return
		}
		page = n
	}
	list, more, err := s.store.CardHistory(r.Context(), sess.CardholderID, (page-1)*HistoryPageSize, HistoryPageSize)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	p := historyPage{Page: page}
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
		p.Rows = append(p.Rows, historyRow{
			Merchant: safetext.Clean(a.MerchantName, 60),
			Amount:   money.Format(a.Amount, a.Currency, sess.Locale),
			Date:     formatTime(a.CreatedAt, sess.Locale),
			Outcome:  outcomeKey(a),
			Method:   method,
		})
	}
	s.render(w, r, sess, http.StatusOK, "history", p)
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
