package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/issuer/store"
)

type authenticationResponse struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	Reason    string    `json:"reason"`
	Method    string    `json:"method"`
	OrderRef  string    `json:"order_ref"`
	Amount    int64     `json:"amount"`
	Currency  string    `json:"currency"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// get is GET /v1/authentications/{id}: the merchant's own authentications
// only; another merchant's is 404, indistinguishable from none.
func (s *Server) get(w http.ResponseWriter, r *http.Request) error {
	m, err := s.merchant(r)
	if err != nil {
		return err
	}
	a, err := s.store.MerchantAuthentication(r.Context(), m.ID, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		return jsonapi.Errorf(http.StatusNotFound, "not_found", "no such authentication")
	}
	if err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, authenticationResponse{
		ID: a.ID, Status: a.Status, Reason: a.Reason, Method: a.Method, OrderRef: a.OrderRef,
		Amount: a.Amount, Currency: a.Currency, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	})
	return nil
}
