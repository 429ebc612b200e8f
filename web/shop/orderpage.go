package shop

import "net/http"

type orderData struct {
	Order       order
	Awaiting    bool
	NoChallenge bool
}

// orderPage shows whether an order is paid, and if not, why.
func (s *Shop) orderPage(w http.ResponseWriter, r *http.Request) {
	ord, ok := s.orders.get(r.PathValue("id"), s.sessions.id(r))
	if !ok {
		s.errorPage(w, http.StatusNotFound, "Order not found", "There is no such order in this browser session.")
		return
	}
	title := "Not paid"
	if ord.Paid {
		title = "Paid"
	}
	s.render(w, http.StatusOK, "order.html", title+" — order "+ord.ID, orderData{
		Order: ord, Awaiting: ord.Stage == awaiting, NoChallenge: ord.Stage == noChallenge,
	})
}
