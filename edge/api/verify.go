package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/edge/report"
)

// verifyRequest is the contract's body, with the check of decode. Its
// Code is never logged.
type verifyRequest contract.VerifyRequest

func (q *verifyRequest) missing() string {
	switch {
	case q.ChallengeToken == "":
		return "challenge_token"
	case q.Code == "":
		return "code"
	}
	return ""
}

var errCodeNotSent = jsonapi.Errorf(http.StatusConflict, contract.CodeCodeNotSent,
	"no code was sent for this challenge; resend one or cancel")

// verify judges a code against the challenge's sealed codes, or relays a
// password to the issuer. A right one ends the authentication with Y; a
// wrong one counts against the authentication's limit and, at the limit,
// ends it with N max_attempts.
//
// Every try is counted BEFORE it is judged, per authentication and per
// credential, in one transaction that also queues its report to the issuer
// (ledger.Count): the limits then hold however many tries arrive at once,
// across every authentication of the credential, and a try the edge
// counted always reaches the issuer. What the try turns out to be replaces
// that report (End) — or, when the issuer could not judge a password,
// takes the try back (Refund): a check never made is never counted.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request) error {
	var req verifyRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	c, err := h.challengeClaims(req.ChallengeToken)
	if err != nil {
		return err
	}
	password := c.Method == contract.MethodPassword
	// Refused before the ledger: a typo in the format is not a guess.
	if password && !limits.ValidPassword(req.Code) {
		return jsonapi.Errorf(http.StatusBadRequest, contract.CodeInvalidCodeFormat, "the password is 1 to %d characters", limits.PasswordMaxRunes)
	}
	if !password && !limits.ValidCode(req.Code) {
		return jsonapi.Errorf(http.StatusBadRequest, contract.CodeInvalidCodeFormat, "the code is %d digits", limits.CodeDigits)
	}
	p, err := h.open(c)
	if err != nil {
		return err
	}
	if sends(c.Method) && len(p.Codes) == 0 {
		// The issuer seals no code it did not deliver: there is nothing
		// to guess, and nothing is counted.
		return errCodeNotSent
	}
	// From here the ledger's writes and the report run to their end even
	// if the client hangs up: a try cut off between its count and its
	// judgement would otherwise sit leased until its lease ends.
	ctx := context.WithoutCancel(r.Context())
	ch := challengeOf(c, p)
	limit := maxAttempts(p)
	proof := h.proof(c.ID, req.Code)
	now := h.now()
	q, err := report.Queue(contract.Outcome{JTI: challenge.NewID(), Sub: c.Subject, Status: contract.StatusChallenge,
		Reason: contract.ReasonWrongCode, Gen: &c.Gen, Attempts: 1}) // Attempts: the ledger writes the count
	if err != nil {
		return err
	}
	t, err := h.ledger.Count(ctx, ch, limit, q, h.reports.LeaseEnd(now), now)
	if err != nil {
		return h.refused(w, r, c, ch, limit, proof, err)
	}
	var v verdict
	if password {
		ok, err := h.issuer.CheckPassword(ctx, c.Subject, c.Gen, req.Code)
		if err != nil {
			if back, rerr := h.ledger.Refund(ctx, c.Subject, t, h.now()); rerr != nil || !back {
				h.log.WarnContext(ctx, "api: unanswered password check not taken back", "auth", c.Subject, "refunded", back, "err", rerr)
			}
			return h.issuerFailed(w, r, c.Subject, err)
		}
		v = verdict{ok: ok, reason: contract.ReasonWrongCode}
		if ok && len(t.Creds) > 0 {
			v.code = challenge.Code{Cred: t.Creds[0]}
		}
	} else if v, err = h.checkCode(ctx, p, t.Creds, req.Code); err != nil {
		return err
	}
	if v.ok {
		return h.end(w, r, ending{authID: c.Subject, origin: c.MerchantOrigin, gen: c.Gen, attempts: t.Used - 1,
			status: contract.StatusAuthenticated, av: p.AV, cred: v.code.Cred, step: v.code.Step, drift: v.drift,
			try: &t, passed: challenge.CredRef{ID: v.code.Cred, Epoch: epochOf(p, v.code.Cred)}, proof: proof})
	}
	if v.reason != contract.ReasonWrongCode {
		// The try's report was queued as a wrong code; say what it was.
		if rep, ok, err := h.ledger.Relabel(ctx, t, v.reason, h.now()); err != nil || !ok {
			h.log.WarnContext(ctx, "api: report not relabelled", "auth", c.Subject, "reason", v.reason, "err", err)
		} else {
			t.Report = rep
		}
	}
	if t.Used >= limit {
		return h.end(w, r, ending{authID: c.Subject, origin: c.MerchantOrigin, gen: c.Gen, attempts: t.Used,
			status: contract.StatusNotAuthenticated, reason: contract.ReasonMaxAttempts, try: &t})
	}
	h.reports.After(ctx, t.Report)
	s := h.challengeScreen(req.ChallengeToken, c, p, t.Used, "")
	s.Error = v.reason
	jsonapi.Write(w, http.StatusOK, s)
	return nil
}

// refused answers a try the ledger would not count. Only the newest token
// of an unfinished authentication is the client's to act on; the rest end
// the authentication (a newer challenge of the card, the attempts used up,
// no credential left to compare) or say it has ended — and the one who
// proves again what ended it with Y (a lost answer, retried) gets the same
// result again.
func (h *Handler) refused(w http.ResponseWriter, r *http.Request, c *challenge.ChallengeClaims, ch ledger.Challenge,
	limit int, proof string, err error) error {
	ctx := context.WithoutCancel(r.Context())
	switch {
	case errors.Is(err, ledger.ErrFinished):
		if s, ok := h.stored(ctx, c.Subject, proof); ok {
			jsonapi.Write(w, http.StatusOK, s)
			return nil
		}
		return errAlreadyUsed
	case errors.Is(err, ledger.ErrSuperseded):
		return errSuperseded
	case errors.Is(err, ledger.ErrAttempts):
		// Every try this authentication allows is counted, and those in
		// flight end it (the last wrong one with N, a right one with Y):
		// this one is too many, whatever it holds.
		return errAlreadyUsed
	case errors.Is(err, ledger.ErrCardSuperseded), errors.Is(err, ledger.ErrCredentialLocked):
		e, lerr := h.ledger.Lookup(ctx, c.Subject)
		if lerr != nil {
			return lerr
		}
		reason := contract.ReasonSuperseded
		if errors.Is(err, ledger.ErrCredentialLocked) {
			reason = contract.ReasonCredentialLocked
		}
		return h.end(w, r, ending{authID: c.Subject, origin: c.MerchantOrigin, gen: c.Gen, attempts: e.Attempts,
			status: contract.StatusNotAuthenticated, reason: reason})
	}
	return err
}

// proof is what the ledger keeps of a Y's proof: an HMAC, under the edge's
// own key, of the challenge's jti and the code (or password) that earned it.
func (h *Handler) proof(jti, code string) string {
	m := hmac.New(sha256.New, h.proofKey)
	m.Write([]byte(jti))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// challengeOf is what the ledger counts a try against: the authentication
// and generation (claims), the card and the credentials (sealed).
func challengeOf(c *challenge.ChallengeClaims, p challenge.Payload) ledger.Challenge {
	return ledger.Challenge{Auth: c.Subject, Gen: c.Gen, Card: p.Card, CardSeq: p.CardSeq, Creds: p.Creds}
}

// epochOf is the epoch p sealed for credential cred.
func epochOf(p challenge.Payload, cred string) int64 {
	for _, c := range p.Creds {
		if c.ID == cred {
			return c.Epoch
		}
	}
	return 0
}

// sends reports whether a method's code is sent to the cardholder (email,
// SMS): a challenge of such a method without a sealed code was not
// delivered.
func sends(method string) bool {
	return method == contract.MethodEmail || method == contract.MethodSMS
}
