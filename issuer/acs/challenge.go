package acs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/store"
)

// noticeTimeout bounds a notice's work (a lock or a fraud report mailed to
// the cardholder or the operator). It outlives a caller that hangs up, so
// it needs its own bound; no screen waits for it.
const noticeTimeout = 30 * time.Second

// deadlines are the bounds of a start or a resend the cardholder waits
// for: contract's (deadlines.go) in production; tests shorten them.
type deadlines struct {
	answer  time.Duration // contract.IssuerDeadline: the whole start or resend
	send    time.Duration // contract.SendTimeout: one code's send
	reserve time.Duration // contract.AnswerReserve: after the send, to record it and answer
}

var contractDeadlines = deadlines{answer: contract.IssuerDeadline, send: contract.SendTimeout, reserve: contract.AnswerReserve}

// sendDeadline is when a send started now for a call bounded by ctx must
// end: after d.send, and early enough that d.reserve is left before ctx's
// deadline to record the outcome and answer.
func (d deadlines) sendDeadline(ctx context.Context, now time.Time) time.Time {
	end := now.Add(d.send)
	if dl, ok := ctx.Deadline(); ok && dl.Add(-d.reserve).Before(end) {
		end = dl.Add(-d.reserve)
	}
	return end
}

// offer is one challenge being issued: the method, the credentials it
// offers, and for email/SMS the code and authentication value, kept so a
// page reload re-shows the same challenge without sending again.
type offer struct {
	method issuer.Method
	impl   method
	creds  []issuer.Credential
	code   string
	av     string
}

// secret is what a challenge keeps at the issuer, sealed by the vault: the
// code already sent (email/SMS) and the authentication value, so a reload
// re-mints the same challenge. It is cleared when the authentication ends,
// and when a send fails.
type secret struct {
	Code string `json:"code"`
	AV   string `json:"av"`
}

func secretAAD(authID string) []byte { return []byte("auth:" + authID) }

// newOffer draws the code (email, SMS) and mints the authentication value
// the edge puts into a Y of this challenge: a's purchase on c's card by
// method m, dated now (when the challenge is issued, at most the code's
// lifetime before the cardholder answers it). It returns the value's
// SHA-256 too, which the issuer keeps.
func (s *Service) newOffer(a issuer.Authentication, c issuer.Cardholder, m issuer.Method, impl method, creds []issuer.Credential,
	now time.Time) (offer, []byte, error) {
	o := offer{method: m, impl: impl, creds: creds}
	var avHash []byte
	var err error
	if o.av, avHash, err = s.mintAV(c.PANHMAC, a.Amount, a.Currency, contract.StatusAuthenticated, m, now); err != nil {
		return offer{}, nil, err
	}
	if m.Sends() {
		o.code = purchase.Generate()
	}
	return o, avHash, nil
}

// record is the store's view of o.
func (s *Service) record(id string, o offer, avHash []byte, sent bool) (store.Challenge, error) {
	ch := store.Challenge{Method: o.method, Creds: credIDs(o.creds), AVHash: avHash, Sent: sent}
	b, err := json.Marshal(secret{Code: o.code, AV: o.av})
	if err != nil {
		return ch, err
	}
	ch.Secret = s.vault.Seal(b, secretAAD(id))
	return ch, nil
}

// reopen recovers the newest challenge a holds while it is valid, for a
// page reload: the same generation, the same code and authentication
// value, nothing sent. It does not when the credentials changed since (one
// locked, a contact replaced): then a new challenge is issued. issued is
// when the challenge's lifetime started.
func (s *Service) reopen(a issuer.Authentication, impl method, creds []issuer.Credential, now time.Time) (o offer, issued time.Time, ok bool) {
	issued = a.GenAt
	if a.Method.Sends() {
		issued = a.LastSentAt // zero when the send failed or was refused
	}
	if a.Secret == nil || issued.IsZero() || !now.Before(issued.Add(purchase.Lifetime)) || !slices.Equal(credIDs(creds), a.Creds) {
		return offer{}, time.Time{}, false
	}
	b, err := s.vault.Open(a.Secret, secretAAD(a.ID))
	if err != nil {
		s.log.Warn("acs: stored challenge does not open", "authentication", a.ID, "err", err)
		return offer{}, time.Time{}, false
	}
	var sec secret
	if err := json.Unmarshal(b, &sec); err != nil || (a.Method.Sends() && sec.Code == "") {
		return offer{}, time.Time{}, false
	}
	return offer{method: a.Method, impl: impl, creds: creds, code: sec.Code, av: sec.AV}, issued, true
}

// mintChallenge signs the challenge token of generation a.Gen for o,
// sealing the codes, the personal message and the authentication value to
// the edge. issued is when the code was sent (email/SMS) or now; the token
// lives purchase.Lifetime from it.
func (s *Service) mintChallenge(a issuer.Authentication, c issuer.Cardholder, o offer, issued, now time.Time) (string, error) {
	exp := issued.Add(purchase.Lifetime)
	codes, period, skew, err := o.impl.seal(o.creds, o.code, now, exp)
	if err != nil {
		return "", err
	}
	refs := make([]challenge.CredRef, len(o.creds))
	for i, cr := range o.creds {
		refs[i] = challenge.CredRef{ID: cr.PublicID, Epoch: cr.Epoch}
	}
	jti := challenge.NewID()
	seal, err := s.keys.Load().EdgeSeal.At(now).Seal(jti, challenge.Payload{
		PM:          c.PersonalMessage,
		Codes:       codes,
		AV:          o.av,
		MaxAttempts: purchase.Tries,
		Period:      period,
		Skew:        skew,
		Creds:       refs,
		Card:        s.cardRef(c.ID),
		CardSeq:     a.CardSeq,
	})
	if err != nil {
		return "", err
	}
	resendsLeft := 0
	if o.method.Sends() {
		resendsLeft = max(purchase.Resends-a.Resends, 0)
	}
	return challenge.Sign(s.keys.Load().Sign, challenge.TypChallenge, &challenge.ChallengeClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    challenge.IssuerName,
			Audience:  jwt.ClaimStrings{challenge.EdgeName},
			Subject:   a.ID,
			ID:        jti,
			IssuedAt:  jwt.NewNumericDate(issued),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		Gen: a.Gen,
		Txn: challenge.Txn{
			Merchant: a.MerchantName,
			Amount:   a.Amount,
			Currency: a.Currency,
			Date:     a.CreatedAt,
			Last4:    c.Last4,
		},
		Method:         string(o.method),
		Dest:           o.impl.dest(c, o.creds),
		ResendsLeft:    resendsLeft,
		MerchantOrigin: a.MerchantOrigin,
		Seal:           seal,
	})
}

// cardRef names the card to the edge: a keyed hash of the cardholder's
// row, so the edge (and the sealed token) holds no card number and no id
// that means anything elsewhere.
func (s *Service) cardRef(cardholderID int64) string {
	return s.pseudo.Text("edge-card", []byte(strconv.FormatInt(cardholderID, 10)))
}

// deliver sends o's code of generation a.Gen and records the outcome. It
// returns "sent" or "failed" and fails only if the outcome cannot be
// recorded. It runs detached from ctx's cancellation: if the edge hangs up
// mid-send, the message and its record still complete, so the cooldown and
// the audit trail match what the cardholder received.
func (s *Service) deliver(ctx context.Context, a issuer.Authentication, c issuer.Cardholder, o offer) (string, error) {
	snd, ok := o.impl.(sender)
	if !ok {
		return "", fmt.Errorf("acs: deliver: %s codes are not sent", o.method)
	}
	// The send outlives a caller that hangs up (its outcome is recorded,
	// so a reload shows the code that went out), but never the issuer's
	// answer: it ends in time for "failed" to be said (contract's
	// deadlines), and a send cut off is a send that failed.
	sendCtx, cancel := context.WithDeadline(context.WithoutCancel(ctx), s.deadlines.sendDeadline(ctx, time.Now()))
	defer cancel()
	// The challenge is on disk before its code leaves (a start's writes
	// sync together, store.SyncLater): a code must never reach a
	// cardholder for a challenge a power cut could take back. A sync that
	// fails is a send that failed.
	err := s.store.Synced(ctx)
	if err == nil {
		err = snd.send(sendCtx, a, c, o.code)
	}
	delivery := contract.DeliverySent
	if err != nil {
		delivery = contract.DeliveryFailed
		s.log.LogAttrs(ctx, slog.LevelWarn, "acs: code not sent",
			slog.String("authentication", a.ID), slog.Int("gen", a.Gen), slog.String("method", string(o.method)),
			slog.String("to", o.impl.dest(c, o.creds)), slog.Any("err", err))
	}
	// Recorded with a context of its own: the send's may be spent.
	recCtx, cancelRec := context.WithTimeout(context.WithoutCancel(ctx), s.deadlines.reserve)
	defer cancelRec()
	if err := s.store.RecordDelivery(recCtx, a.ID, a.Gen, err == nil, s.now()); err != nil {
		return "", err
	}
	return delivery, nil
}

// host is an origin's or URL's host without the port, as WebOTP names it.
func host(origin string) string {
	u, err := url.Parse(origin)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// textLocale maps a cardholder locale to one the mail and SMS texts have.
func textLocale(l string) string {
	if strings.HasPrefix(strings.ToLower(l), "en") {
		return "en"
	}
	return "ja"
}
