package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/edge/money"
	"github.com/honnin/honnin/edge/origin"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/store"
)

type createRequest struct {
	CardNumber string `json:"card_number"`
	Amount     *int64 `json:"amount"`
	Currency   string `json:"currency"`
	// MerchantName is optional: the name to show for this order, which must
	// be one the operator registered for the merchant (see
	// store.Merchant.AllowsName). Without it the registered name is shown.
	MerchantName   string `json:"merchant_name"`
	MerchantOrigin string `json:"merchant_origin"`
	OrderRef       string `json:"order_ref"`
}

// MaxDisplayName is the longest name a cardholder is shown for a merchant,
// in characters: the operator's display names and descriptors are held to
// the limit of a request's merchant_name, and to its other rules (see
// checkText).
const MaxDisplayName = maxMerchantName

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

// create is POST /v1/authentications. An enrolled, active card gets a
// challenge (201 with the session token for the iframe); any other valid
// card is answered N not_enrolled (200) at once. Both are stored, with the
// name the cardholder will be shown: the merchant's registered one for the
// origin, or the merchant_name sent if the operator allowed it, never text
// of the merchant's own (issue 12: a merchant key put "JCB Security: call
// 0120…" into the challenge screen, the mail and the SMS).
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
	if !slices.Contains(m.Origins, req.MerchantOrigin) {
		return jsonapi.Errorf(http.StatusForbidden, "origin_not_allowed", "merchant_origin is not one of this merchant's registered origins")
	}
	name := m.ShownName(req.MerchantOrigin)
	if req.MerchantName != "" {
		if !m.AllowsName(req.MerchantOrigin, req.MerchantName) {
			return jsonapi.BadRequest("merchant_name is not a name the issuer registered for this merchant and origin " +
				"(merchant_name_not_allowed): send a registered one, or leave merchant_name out to show the registered name")
		}
		name = req.MerchantName
	}

	now := s.now()
	a := store.Authentication{
		MerchantID: m.ID, OrderRef: req.OrderRef, Amount: *req.Amount, Currency: req.Currency,
		MerchantName: name, MerchantOrigin: req.MerchantOrigin, CreatedAt: now,
	}
	// A card whose holder stopped the service in the portal is answered
	// exactly as one never enrolled.
	status, reason, err := s.cardRange(r.Context(), number)
	if err != nil {
		return err
	}
	c, err := s.store.CardholderByPAN(r.Context(), s.pan.Sum(number))
	switch {
	case status != "":
		a.Status, a.Reason = status, reason
	case err == nil && c.Status == store.CardholderActive && c.ServiceStoppedAt.IsZero():
		a.Status, a.CardholderID = challenge.StatusChallenge, c.ID
	case err == nil, errors.Is(err, store.ErrNotFound):
		a.Status, a.Reason = challenge.StatusNotAuthenticated, "not_enrolled"
	default:
		return err
	}
	a, err = s.store.CreateAuthentication(r.Context(), a)
	if err != nil {
		return err
	}
	if a.Status != challenge.StatusChallenge {
		jsonapi.Write(w, http.StatusOK, createResponse{ID: a.ID, Status: a.Status, Reason: a.Reason})
		return nil
	}
	token, err := challenge.Sign(s.keys.Sign, challenge.TypSession, &challenge.SessionClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    challenge.IssuerName,
			Audience:  jwt.ClaimStrings{challenge.EdgeName},
			Subject:   a.ID,
			ID:        challenge.NewID(),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(sessionLifetime)),
		},
		MerchantOrigin: a.MerchantOrigin,
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/authentications/"+a.ID)
	jsonapi.Write(w, http.StatusCreated, createResponse{
		ID:           a.ID,
		Status:       a.Status,
		SessionToken: token,
		ChallengeURL: s.edgeURL + "/challenge?st=" + url.QueryEscape(token),
	})
	return nil
}

// cardRange answers a card the issuer's ranges rule out: U card_range for
// a card in none of them (not this issuer's card), N not_eligible for one
// in a range marked not eligible (seed 002). It returns "" when the card
// may go on, and when no range is configured at all, so an issuer that
// never set ranges serves every card as before.
func (s *Server) cardRange(ctx context.Context, n pan.Number) (status, reason string, err error) {
	rg, err := s.store.RangeOf(ctx, n.Digits()[:store.RangeDigits])
	switch {
	case errors.Is(err, store.ErrNoRanges):
		return "", "", nil
	case errors.Is(err, store.ErrNotFound):
		return challenge.StatusUnavailable, "card_range", nil
	case err != nil:
		return "", "", err
	case !rg.Eligible:
		return challenge.StatusNotAuthenticated, "not_eligible", nil
	}
	return "", "", nil
}
