package api

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/store"
)

// methodEmail is the only challenge method until SMS, app and token land.
const methodEmail = "email"

// sendTimeout bounds one code send. The send outlives a caller that hangs
// up (see deliver), so it needs its own bound.
const sendTimeout = 30 * time.Second

// mintChallenge signs the challenge token of generation a.Gen, sealing the
// code, the personal message and the authentication value to the edge.
func (s *Server) mintChallenge(a store.Authentication, c store.Cardholder, code, av string, now time.Time) (string, error) {
	jti := challenge.NewID()
	seal, err := s.keys.EdgeSeal.Seal(jti, challenge.Payload{
		PM:          c.PersonalMessage,
		Codes:       []challenge.Code{{Cred: methodEmail, Step: 0, Code: code}},
		AV:          av,
		MaxAttempts: maxAttempts,
		Period:      int(codeValidity / time.Second),
		Skew:        0,
	})
	if err != nil {
		return "", err
	}
	return challenge.Sign(s.keys.Sign, challenge.TypChallenge, &challenge.ChallengeClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    challenge.IssuerName,
			Audience:  jwt.ClaimStrings{challenge.EdgeName},
			Subject:   a.ID,
			ID:        jti,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(codeValidity)),
		},
		Gen: a.Gen,
		Txn: challenge.Txn{
			Merchant: a.MerchantName,
			Amount:   a.Amount,
			Currency: a.Currency,
			Date:     a.CreatedAt,
			Last4:    c.Last4,
		},
		Method:         methodEmail,
		Dest:           dispatch.MaskEmail(c.Email),
		MerchantOrigin: a.MerchantOrigin,
		Seal:           seal,
	})
}

// Delivery outcomes as the edge shows them.
const (
	deliverySent   = "sent"
	deliveryFailed = "failed"
)

// deliver sends the code of generation a.Gen and records the outcome. It
// returns "sent" or "failed" and fails only if the outcome cannot be
// recorded. It runs detached from ctx's cancellation: if the edge hangs up
// mid-send, the mail and its record still complete, so the cooldown and
// the audit trail match what the cardholder received.
func (s *Server) deliver(ctx context.Context, a store.Authentication, c store.Cardholder, code string) (string, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	defer cancel()
	err := s.mail.SendCode(ctx, dispatch.CodeMail{
		To:         c.Email,
		Locale:     mailLocale(c.Locale),
		Code:       code,
		Merchant:   a.MerchantName,
		Amount:     a.Amount,
		Currency:   a.Currency,
		At:         a.CreatedAt,
		IssuerName: s.issuerName,
	})
	delivery := deliverySent
	if err != nil {
		delivery = deliveryFailed
		s.log.LogAttrs(ctx, slog.LevelWarn, "api: code mail not sent",
			slog.String("authentication", a.ID), slog.Int("gen", a.Gen),
			slog.String("to", dispatch.MaskEmail(c.Email)), slog.Any("err", err))
	}
	if err := s.store.RecordDelivery(ctx, a.ID, a.Gen, err == nil, s.now()); err != nil {
		return "", err
	}
	return delivery, nil
}

// mailLocale maps a cardholder locale to one the mail templates have.
func mailLocale(l string) string {
	if strings.HasPrefix(strings.ToLower(l), "en") {
		return "en"
	}
	return "ja"
}
