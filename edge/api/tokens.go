package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/edge/ledger"
)

// issuerTokens verifies what the issuer signs for the edge: session and
// challenge tokens (iss honnin-issuer, aud honnin-edge).
func (h *Handler) issuerTokens() challenge.Verifier {
	return challenge.Verifier{Keys: h.keys.Issuer, Issuer: challenge.IssuerName, Audience: challenge.EdgeName, Now: h.now}
}

// tokenError maps a verification failure to what the client sees: an
// expired token is 410 (the screen says "start again"), anything else 401.
func tokenError(err error) *jsonapi.Error {
	if errors.Is(err, challenge.ErrExpired) {
		return jsonapi.Errorf(http.StatusGone, contract.CodeExpired, "the token has expired")
	}
	return jsonapi.Errorf(http.StatusUnauthorized, contract.CodeInvalidToken, "the token is not valid")
}

func (h *Handler) sessionClaims(token string) (*challenge.SessionClaims, error) {
	var c challenge.SessionClaims
	if err := h.issuerTokens().Verify(token, challenge.TypSession, &c); err != nil {
		return nil, tokenError(err)
	}
	return &c, nil
}

// openSession checks a merchant page's session token and reads its
// authentication's entry in the ledger: what start and prepare both do
// before anything else.
func (h *Handler) openSession(ctx context.Context, token string) (*challenge.SessionClaims, ledger.Entry, error) {
	s, err := h.sessionClaims(token)
	if err != nil {
		return nil, ledger.Entry{}, err
	}
	e, err := h.ledger.Lookup(ctx, s.Subject)
	return s, e, err
}

func (h *Handler) challengeClaims(token string) (*challenge.ChallengeClaims, error) {
	var c challenge.ChallengeClaims
	if err := h.issuerTokens().Verify(token, challenge.TypChallenge, &c); err != nil {
		return nil, tokenError(err)
	}
	return &c, nil
}

// open decrypts the challenge's sealed payload. The seal is bound to the
// token's jti, so a seal lifted from another token does not open.
func (h *Handler) open(c *challenge.ChallengeClaims) (challenge.Payload, error) {
	p, err := h.keys.Seal.Open(c.Seal, c.ID)
	if err != nil {
		return challenge.Payload{}, jsonapi.Errorf(http.StatusUnauthorized, contract.CodeInvalidToken, "the challenge cannot be opened")
	}
	return p, nil
}
