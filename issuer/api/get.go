package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/issuer/risk"
)

type authenticationResponse struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Method   string `json:"method"`
	OrderRef string `json:"order_ref"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	// Decision is the risk engine's (frictionless, challenge, deny; absent
	// before the iframe started), RiskReasons the coarse categories that
	// raised the score: never the rules or their weights.
	Decision    string    `json:"decision,omitempty"`
	RiskReasons []string  `json:"risk_reasons,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// ResultToken is the result token the edge minted, once its report
	// reached the issuer: a merchant whose page never got it (a lost
	// answer, a closed tab) verifies it from here exactly as from the page.
	ResultToken string `json:"result_token,omitempty"`
}

// get is GET /v1/authentications/{id}: the merchant's own authentications
// only; another merchant's is 404, indistinguishable from none.
func (s *Server) get(w http.ResponseWriter, r *http.Request) error {
	m, err := s.merchant(r)
	if err != nil {
		return err
	}
	a, err := s.acs.MerchantAuthentication(r.Context(), m.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, authenticationResponse{
		ID: a.ID, Status: a.Status, Reason: a.Reason, Method: string(a.Method), OrderRef: a.OrderRef,
		Amount: a.Amount, Currency: a.Currency, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		Decision: a.Decision, RiskReasons: coarseReasons(a.RiskReasons), ResultToken: a.ResultToken,
	})
	return nil
}

// coarseReasons turns the stored reasons into the categories a merchant
// sees. A row that cannot be read shows none rather than failing the call.
func coarseReasons(stored string) []string {
	var rs []risk.Reason
	if err := json.Unmarshal([]byte(stored), &rs); err != nil {
		return nil
	}
	return risk.Categories(rs)
}
