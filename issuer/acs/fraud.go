package acs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"time"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/store"
)

// DefaultDenyWindow is how long a deny list entry of a fraud report lasts
// when the risk configuration gives its rule (denylisted_device,
// denylisted_address, denylisted_merchant) no window: 30 days.
const DefaultDenyWindow = 30 * 24 * time.Hour

// The risk rules whose windows are the lifetimes of a fraud report's deny
// list entries.
const (
	ruleDenyDevice   = "denylisted_device"
	ruleDenyAddress  = "denylisted_address"
	ruleDenyMerchant = "denylisted_merchant"
)

// Operator is the issuer's operator, who hears of fraud reports
// (dispatch.NoticeFraudReport). The zero value sends no notice: each
// report is logged only.
type Operator struct {
	// Email is the operator's address; "" for none.
	Email string
	// Locale is the notices' language, "ja" or "en"; "" means "en".
	Locale string
}

// check returns o with its defaults, or why it is not usable.
func (o Operator) check() (Operator, error) {
	if o.Locale == "" {
		o.Locale = "en"
	}
	if o.Locale != "ja" && o.Locale != "en" {
		return o, fmt.Errorf("acs: operator locale %q: want ja or en", o.Locale)
	}
	if o.Email != "" {
		if _, err := mail.ParseAddress(o.Email); err != nil {
			return o, fmt.Errorf("acs: operator email: %v", err)
		}
	}
	return o, nil
}

// errReported refuses a second report of one authentication.
var errReported = refuse(Conflict, "reported", "the authentication was reported already")

// ReportFraud is the cardholder's "this was not me" of authentication
// authID of their card cardholderID: the store records the report, puts
// the authentication's device, address and merchant on the deny list for
// the risk configuration's windows (the risk rules denylisted_* then
// count them, and fraud_reported challenges the card's next purchases),
// and the operator is told.
//
// An authentication that does not exist or is another card's is NotFound;
// one reported already is Conflict (code "reported"); nothing changes
// then.
func (s *Service) ReportFraud(ctx context.Context, cardholderID int64, authID string) error {
	window := func(rule string) time.Duration {
		if d := s.risk.Config().Window(rule); d > 0 {
			return d
		}
		return DefaultDenyWindow
	}
	now := s.now()
	a, entries, err := s.store.ReportFraud(ctx, store.FraudReport{AuthenticationID: authID, CardholderID: cardholderID, At: now,
		DeviceFor: window(ruleDenyDevice), AddressFor: window(ruleDenyAddress), MerchantFor: window(ruleDenyMerchant)})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errNotFound
	case errors.Is(err, store.ErrConflict):
		return errReported
	case err != nil:
		return err
	}
	listed := make([]string, 0, len(entries))
	for _, e := range entries {
		listed = append(listed, e.Kind)
	}
	s.log.LogAttrs(ctx, slog.LevelWarn, "acs: fraud reported by the cardholder",
		slog.String("authentication", a.ID), slog.Int64("cardholder", cardholderID), slog.Any("denylisted", listed))
	s.noticeFraud(ctx, a, listed)
	return nil
}

// noticeFraud tells the operator of the report of a. Like the lock
// notice, one that cannot be handed over is logged and not returned: the
// report stands either way (serve hands notices to the outbox, which
// retries them).
func (s *Service) noticeFraud(ctx context.Context, a issuer.Authentication, listed []string) {
	if s.operator.Email == "" {
		s.log.LogAttrs(ctx, slog.LevelWarn, "acs: no operator address (serve -operator-email): the fraud report is in the log only",
			slog.String("authentication", a.ID))
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), noticeTimeout)
	defer cancel()
	c, err := s.store.Cardholder(ctx, a.CardholderID)
	if err == nil {
		err = s.mail.SendNotice(ctx, dispatch.Notice{
			Kind: dispatch.NoticeFraudReport, To: s.operator.Email, Locale: s.operator.Locale, IssuerName: s.issuerName,
			Last4: c.Last4, Authentication: a.ID, Merchant: a.MerchantName, MerchantID: a.MerchantID,
			Amount: a.Amount, Currency: a.Currency, At: a.CreatedAt, Listed: listed,
		})
	}
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "acs: fraud report notice not sent", slog.String("authentication", a.ID), slog.Any("err", err))
	}
}
