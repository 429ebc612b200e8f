package acs

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/risk"
	"github.com/honnin/honnin/issuer/store"
)

// usedSignals are the signals a decision used, stored with it: nothing the
// rules did not read.
type usedSignals struct {
	DeviceID   bool   `json:"device_id"`
	IP         string `json:"ip,omitempty"`
	Country    string `json:"country,omitempty"`
	ASN        int64  `json:"asn,omitempty"`
	Timezone   string `json:"timezone,omitempty"`
	Webdriver  bool   `json:"webdriver,omitempty"`
	Headless   bool   `json:"headless,omitempty"`
	ProviderOK bool   `json:"provider,omitempty"`
}

// assess gathers the facts for a's decision (the store's history and, when
// configured and allowed, the provider's score, in parallel) and decides.
// The returned store.Decision has everything but the status and the clock.
func (s *Service) assess(ctx context.Context, a issuer.Authentication, c issuer.Cardholder,
	sig Signals, now time.Time) (risk.Decision, store.Decision, error) {
	dev, edge := sig.Device, sig.Edge
	var deviceHash []byte
	if dev.DeviceID != "" {
		deviceHash = s.pseudo.Sum("device", []byte(dev.DeviceID))
	}
	f := risk.Facts{
		Now: now, Amount: a.Amount, Currency: a.Currency, MerchantName: a.MerchantName,
		CardCountry: c.Country, CredentialLocked: c.OTPLocked,
		HasDeviceID: deviceHash != nil, Webdriver: dev.Webdriver, Headless: risk.Headless(dev.UA),
		Timezone: dev.Timezone, IP: edge.IP, IPCountry: edge.Country, DeviceDataMissing: sig.MethodIncomplete,
	}
	var notes []risk.Reason

	// The provider runs beside the history queries; its own timeout bounds
	// it, and an opted-out cardholder is never sent to it.
	type score struct {
		v   int
		err error
	}
	var provided chan score
	switch {
	case s.provider == nil:
	case c.SharingOptOut:
		notes = append(notes, risk.Reason{Code: risk.ReasonProviderOptOut})
	default:
		provided = make(chan score, 1)
		req := risk.ProviderRequest{
			Card: s.pseudo.Text("card", c.PANHMAC), Country: edge.Country, ASN: edge.ASN,
			Amount: a.Amount, Currency: a.Currency, Timezone: dev.Timezone, Webdriver: dev.Webdriver,
		}
		if deviceHash != nil {
			req.Device = s.pseudo.Text("device", []byte(dev.DeviceID))
		}
		if edge.IP != "" {
			req.IP = s.pseudo.Text("ip", []byte(edge.IP))
		}
		go func() {
			v, err := s.provider.Score(ctx, req)
			provided <- score{v, err}
		}()
	}

	cfg := s.risk.Config()
	h, err := s.store.RiskHistory(ctx, store.HistoryQuery{
		AuthenticationID: a.ID, CardholderID: c.ID, DeviceHash: deviceHash, IP: edge.IP,
		Currency: a.Currency, MerchantID: a.MerchantID, Now: now,
		VelocitySince: now.Add(-max(cfg.Window("velocity_card"), cfg.Window("velocity_device"), cfg.Window("velocity_ip"))),
		FailuresSince: now.Add(-cfg.Window("recent_failures")),
		TravelSince:   now.Add(-cfg.Window("impossible_travel")),
		UsualSince:    now.Add(-cfg.Window("amount_above_usual")),
	})
	if err != nil {
		return risk.Decision{}, store.Decision{}, err
	}
	f.KnownDevice, f.Watchlisted = h.KnownDevice, h.Watchlisted
	f.CardCount, f.DeviceCount, f.IPCount, f.Failures = h.CardCount, h.DeviceCount, h.IPCount, h.Failures
	f.PrevCountry, f.PrevAt = h.PrevCountry, h.PrevAt
	f.UsualMax, f.UsualCount = h.UsualMax, h.UsualCount

	if provided != nil {
		p := <-provided
		if p.err != nil {
			s.log.LogAttrs(ctx, slog.LevelWarn, "acs: risk provider unavailable; deciding without it",
				slog.String("authentication", a.ID), slog.Any("err", p.err))
			notes = append(notes, risk.Reason{Code: risk.ReasonProviderUnavailable})
		} else {
			f.Provider = &p.v
		}
	}

	d := s.risk.Decide(f)
	d.Reasons = append(d.Reasons, notes...)
	reasons, _ := json.Marshal(d.Reasons)
	signals, _ := json.Marshal(usedSignals{
		DeviceID: deviceHash != nil, IP: edge.IP, Country: edge.Country, ASN: edge.ASN,
		Timezone: dev.Timezone, Webdriver: dev.Webdriver, Headless: f.Headless, ProviderOK: f.Provider != nil,
	})
	return d, store.Decision{
		Decision: d.Outcome, Score: d.Score, Reasons: string(reasons), Signals: string(signals),
		DeviceHash: deviceHash, IP: edge.IP, IPCountry: edge.Country,
	}, nil
}
