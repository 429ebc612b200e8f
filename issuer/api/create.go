package api

import (
	"net/http"

	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/edge/money"
	"github.com/honnin/honnin/edge/origin"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/pan"
)

type createRequest struct {
	CardNumber string `json:"card_number"`
	Amount     *int64 `json:"amount"`
	Currency   string `json:"currency"`
	// MerchantName is optional: the name to show for this order, which must
	// be one the operator registered for the merchant (see
	// issuer.Merchant.AllowsName). Without it the registered name is shown.
	MerchantName   string `json:"merchant_name"`
	MerchantOrigin string `json:"merchant_origin"`
	OrderRef       string `json:"order_ref"`
}

type createResponse struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	Reason       string `json:"reason,omitempty"`
	SessionToken string `json:"session_token,omitempty"`
	ChallengeURL string `json:"challenge_url,omitempty"`
}

// validate checks everything but the origin allow-list and returns the
// parsed card number.
func (req *createRequest) validate() (pan.Number, error) {
	switch {
	case req.CardNumber == "":
		return "", jsonapi.BadRequest("card_number is required")
	case req.Amount == nil:
		return "", jsonapi.BadRequest("amount is required")
	case req.Currency == "":
		return "", jsonapi.BadRequest("currency is required")
	case req.MerchantOrigin == "":
		return "", jsonapi.BadRequest("merchant_origin is required")
	}
	n, err := pan.Parse(req.CardNumber)
	if err != nil {
		// The reason (length, check digit) helps an integrator and says
		// nothing about the number that the number does not.
		return "", jsonapi.BadRequest("card_number: %v", err)
	}
	if *req.Amount <= 0 || *req.Amount > maxAmount {
		return "", jsonapi.BadRequest("amount must be a positive integer of minor units, at most %d", int64(maxAmount))
	}
	if !money.Valid(req.Currency) {
		return "", jsonapi.BadRequest("currency must be an ISO 4217 code in use, in capitals (JPY, USD)")
	}
	if why := checkText(req.MerchantName, 0, maxMerchantName); why != "" {
		return "", jsonapi.BadRequest("merchant_name %s", why)
	}
	if why := checkText(req.OrderRef, 0, maxOrderRef); why != "" {
		return "", jsonapi.BadRequest("order_ref %s", why)
	}
	if !origin.Valid(req.MerchantOrigin) {
		return "", jsonapi.BadRequest("merchant_origin must be an origin: scheme://host[:port], lower case, no path")
	}
	return n, nil
}

// create is POST /v1/authentications (acs.Service.Create): 201 with the
// session token for the iframe when the card is challenged, 200 with the
// outcome when it is answered at once.
func (s *Server) create(w http.ResponseWriter, r *http.Request) error {
	m, err := s.merchant(r)
	if err != nil {
		return err
	}
	var req createRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	number, err := req.validate()
	if err != nil {
		return err
	}
	a, err := s.acs.Create(r.Context(), m, acs.Order{
		Number: number, Amount: *req.Amount, Currency: req.Currency,
		MerchantName: req.MerchantName, MerchantOrigin: req.MerchantOrigin, OrderRef: req.OrderRef,
	})
	if err != nil {
		return err
	}
	if a.SessionToken == "" {
		jsonapi.Write(w, http.StatusOK, createResponse{ID: a.ID, Status: a.Status, Reason: a.Reason})
		return nil
	}
	w.Header().Set("Location", "/v1/authentications/"+a.ID)
	jsonapi.Write(w, http.StatusCreated, createResponse{
		ID:           a.ID,
		Status:       a.Status,
		SessionToken: a.SessionToken,
		ChallengeURL: a.ChallengeURL,
	})
	return nil
}
