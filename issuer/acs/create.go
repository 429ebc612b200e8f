package acs

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/url"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/store"
)

// Order is a merchant's request to authenticate a card for one purchase,
// its fields checked for form by the door that read it.
type Order struct {
	Number   pan.Number
	Amount   int64 // minor units of Currency
	Currency string
	// MerchantName is the name to show for this order; "" for the
	// merchant's registered one. It must be one the operator registered
	// (issuer.Merchant.AllowsName).
	MerchantName   string
	MerchantOrigin string
	OrderRef       string
}

// Created is a new authentication; a challenge (status C) also has the
// session token the iframe opens and the edge's challenge page for it.
type Created struct {
	issuer.Authentication
	SessionToken string
	ChallengeURL string
}

var errUnknownKey = refuse(Unauthenticated, "invalid_api_key", "unknown API key")

// Merchant is the merchant whose API key is key.
func (s *Service) Merchant(ctx context.Context, key string) (issuer.Merchant, error) {
	h := issuer.HashAPIKey(key)
	m, err := s.store.MerchantByKeyHash(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return issuer.Merchant{}, errUnknownKey
	}
	if err != nil {
		return issuer.Merchant{}, err
	}
	// The index lookup already matched; this compare is a guard against a
	// store that matched loosely (a collation, a prefix), in constant time.
	if subtle.ConstantTimeCompare(m.APIKeyHash, h) != 1 {
		return issuer.Merchant{}, errUnknownKey
	}
	return m, nil
}

// Create stores merchant m's authentication of o. An enrolled, active card
// gets a challenge (status C, with its session token); any other valid
// card is answered at once: U card_range outside the issuer's ranges, N
// not_eligible in a range marked so, N not_enrolled otherwise (a card
// whose holder stopped the service in the portal is answered exactly as
// one never enrolled). Both are stored with the name the cardholder will
// be shown: the merchant's registered one for the origin, or the name sent
// if the operator allowed it, never text of the merchant's own (issue 12:
// a merchant key put "JCB Security: call 0120…" into the challenge screen,
// the mail and the SMS).
func (s *Service) Create(ctx context.Context, m issuer.Merchant, o Order) (Created, error) {
	if !slices.Contains(m.Origins, o.MerchantOrigin) {
		return Created{}, refuse(Forbidden, "origin_not_allowed", "merchant_origin is not one of this merchant's registered origins")
	}
	name := m.ShownName(o.MerchantOrigin)
	if o.MerchantName != "" {
		if !m.AllowsName(o.MerchantOrigin, o.MerchantName) {
			return Created{}, refuse(Invalid, "bad_request", "merchant_name is not a name the issuer registered for this merchant and origin "+
				"(merchant_name_not_allowed): send a registered one, or leave merchant_name out to show the registered name")
		}
		name = o.MerchantName
	}
	now := s.now()
	a := issuer.Authentication{
		MerchantID: m.ID, OrderRef: o.OrderRef, Amount: o.Amount, Currency: o.Currency,
		MerchantName: name, MerchantOrigin: o.MerchantOrigin, CreatedAt: now,
	}
	c, err := s.cardState(ctx, o.Number, &a)
	if err != nil {
		return Created{}, err
	}
	a, err = s.store.CreateAuthentication(ctx, a)
	if err != nil {
		return Created{}, err
	}
	if a.Status != contract.StatusChallenge {
		return Created{Authentication: a}, nil
	}
	token, err := s.sessionToken(a, pageTxn(a, c), c.Locale, nil, now)
	if err != nil {
		return Created{}, err
	}
	return Created{Authentication: a, SessionToken: token,
		ChallengeURL: s.edgeURL + "/challenge?st=" + url.QueryEscape(token)}, nil
}

// sessionToken mints the session token of a's challenge: what the
// merchant page (or, with emv, the EMV challenge's page) hands the edge to
// begin, valid limits.SessionLifetime. txn and locale, when known, are
// what the edge's page shows before its client has loaded
// (challenge.SessionClaims.Txn says why they may travel in the token).
func (s *Service) sessionToken(a issuer.Authentication, txn *challenge.Txn, locale string, emv *challenge.EMVSession, now time.Time) (string, error) {
	return challenge.Sign(s.keys.Load().Sign, challenge.TypSession, &challenge.SessionClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    challenge.IssuerName,
			Audience:  jwt.ClaimStrings{challenge.EdgeName},
			Subject:   a.ID,
			ID:        challenge.NewID(),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(limits.SessionLifetime)),
		},
		MerchantOrigin: a.MerchantOrigin,
		EMV:            emv,
		Txn:            txn,
		Locale:         locale,
	})
}

// pageTxn is what the challenge page shows of a, to c's holder, before
// its client has loaded: the same fields as the challenge token's Txn
// (mintChallenge), so the client's screen does not change them.
func pageTxn(a issuer.Authentication, c issuer.Cardholder) *challenge.Txn {
	return &challenge.Txn{
		Merchant: a.MerchantName,
		Amount:   a.Amount,
		Currency: a.Currency,
		Date:     a.CreatedAt,
		Last4:    c.Last4,
	}
}

// cardState sets a's status from card n's state, the one rule every door
// follows: a card the issuer's ranges rule out is U or N (cardRange); an
// enrolled, active card whose holder has not stopped the service is to be
// challenged (C, with its cardholder, returned); any other card, enrolled
// or not, is N not_enrolled — a stopped service is answered exactly as
// one never enrolled.
func (s *Service) cardState(ctx context.Context, n pan.Number, a *issuer.Authentication) (issuer.Cardholder, error) {
	status, reason, err := s.cardRange(ctx, n, a)
	if err != nil {
		return issuer.Cardholder{}, err
	}
	c, err := s.store.CardholderByPAN(ctx, s.pan.Sum(n))
	switch {
	case status != "":
		a.Status, a.Reason = status, reason
	case err == nil && c.Status == issuer.CardholderActive && c.ServiceStoppedAt.IsZero():
		a.Status, a.CardholderID = contract.StatusChallenge, c.ID
		return c, nil
	case err == nil, errors.Is(err, store.ErrNotFound):
		a.Status, a.Reason = contract.StatusNotAuthenticated, ReasonNotEnrolled
	default:
		return issuer.Cardholder{}, err
	}
	return issuer.Cardholder{}, nil
}

// Reasons of the card's state, every door's (the EMV door maps them to
// transStatusReason): a card not enrolled (or whose holder stopped the
// service), one in a range marked not eligible (N), one in none of the
// issuer's ranges (U).
const (
	ReasonNotEnrolled = "not_enrolled"
	ReasonNotEligible = "not_eligible"
	ReasonCardRange   = "card_range"
)

// cardRange answers a card the issuer's ranges rule out: U card_range for
// a card in none of them (not this issuer's card), N not_eligible for one
// in a range marked not eligible (seed 002). It returns "" when the card
// may go on, and when no range is configured at all, so an issuer that
// never set ranges serves every card as before. It notes the range in a
// (RangeID): the start shows that range's brand.
func (s *Service) cardRange(ctx context.Context, n pan.Number, a *issuer.Authentication) (status, reason string, err error) {
	rg, err := s.store.RangeOf(ctx, n.Digits()[:store.RangeDigits])
	if err == nil {
		a.RangeID = rg.ID
	}
	switch {
	case errors.Is(err, store.ErrNoRanges):
		return "", "", nil
	case errors.Is(err, store.ErrNotFound):
		return contract.StatusUnavailable, ReasonCardRange, nil
	case err != nil:
		return "", "", err
	case !rg.Eligible:
		return contract.StatusNotAuthenticated, ReasonNotEligible, nil
	}
	return "", "", nil
}

// MerchantAuthentication is merchant merchantID's authentication id; another
// merchant's is NotFound, indistinguishable from none.
func (s *Service) MerchantAuthentication(ctx context.Context, merchantID int64, id string) (issuer.Authentication, error) {
	a, err := s.store.MerchantAuthentication(ctx, merchantID, id)
	if errors.Is(err, store.ErrNotFound) {
		return a, errNotFound
	}
	return a, err
}
