package acs

import (
	"errors"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
)

// EdgeCall authenticates a call of the edge: a JWT signed by an edge key
// (typ honnin-edge+jwt, iss honnin-edge, aud honnin-issuer, exp at most
// limits.CallTokenLifetime after iat) whose sub names what the call is
// about (an authentication id, or "results"), so a token minted for one
// authentication cannot act on another.
func (s *Service) EdgeCall(token, sub string) error {
	v := challenge.Verifier{
		Keys:        s.keys.Load().Edge,
		Issuer:      challenge.EdgeName,
		Audience:    challenge.IssuerName,
		MaxLifetime: limits.CallTokenLifetime,
		Now:         s.now,
	}
	var c challenge.EdgeClaims
	if err := v.Verify(token, challenge.TypEdge, &c); err != nil {
		r := refuse(Unauthenticated, contract.CodeInvalidToken, "edge token invalid")
		if errors.Is(err, challenge.ErrExpired) {
			r.Message = "edge token expired"
		}
		return errors.Join(r, err)
	}
	if c.Subject != sub {
		return refuse(Unauthenticated, contract.CodeInvalidToken, "edge token is for another subject")
	}
	return nil
}
