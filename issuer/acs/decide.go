package acs

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/device"
	"github.com/honnin/honnin/issuer/risk"
	"github.com/honnin/honnin/issuer/store"
)

// usedSignals are the signals a decision used, stored with it: nothing the
// rules did not read.
type usedSignals struct {
	DeviceID bool `json:"device_id"`
	// DeviceWhy is the signal that differed from the device's record, on
	// a device_mismatch.
	DeviceWhy  string `json:"device_mismatch,omitempty"`
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
// The returned store.Decision has everything but the status and the clock;
// setCookie is the device cookie the edge must set (mint: a merchant
// start or prepare, where the edge answers the browser; never for an EMV
// AReq, which the browser does not see).
func (s *Service) assess(ctx context.Context, a issuer.Authentication, c issuer.Cardholder,
	sig Signals, now time.Time, mint bool) (d risk.Decision, rec store.Decision, setCookie string, err error) {
	dev, edge := sig.Device, sig.Edge
	deviceID, setCookie := s.deviceIdentity(edge.DeviceCookie, mint)
	var deviceHash []byte
	if deviceID != "" {
		deviceHash = s.pseudo.Sum("device", []byte(deviceID))
	}
	fp := device.FromSignals(dev)
	ipNet := risk.Network(edge.IP)
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
		if deviceID != "" {
			req.Device = s.pseudo.Text("device", []byte(deviceID))
		}
		if edge.IP != "" {
			req.IP = s.pseudo.Text("ip", []byte(edge.IP))
		}
		go func() {
			v, err := s.provider.Score(ctx, req)
			provided <- score{v, err}
		}()
	}

	// Counted by every other decision from here on, before this one
	// reads theirs (store.ClaimDecision): decisions under way at once
	// must not leave each other out of the velocity counts.
	if err := s.store.ClaimDecision(ctx, a.ID, store.Claim{DeviceHash: deviceHash, IPNet: ipNet, IP: edge.IP,
		IPCountry: edge.Country, At: now}); err != nil {
		return risk.Decision{}, store.Decision{}, "", err
	}
	cfg := s.risk.Config()
	countCap := cfg.CountCap()
	h, err := s.store.RiskHistory(ctx, store.HistoryQuery{
		AuthenticationID: a.ID, CardholderID: c.ID, DeviceHash: deviceHash, IPNet: ipNet,
		Currency: a.Currency, MerchantID: a.MerchantID, Now: now,
		VelocitySince: now.Add(-max(cfg.Window("velocity_card"), cfg.Window("velocity_device"), cfg.Window("velocity_ip"))),
		FailuresSince: now.Add(-cfg.Window("recent_failures")),
		TravelSince:   now.Add(-cfg.Window("impossible_travel")),
		UsualSince:    now.Add(-cfg.Window("amount_above_usual")),
		MerchantSince: now.Add(-cfg.Window("velocity_merchant")),
		ReportedSince: now.Add(-cfg.Window("fraud_reported")),
		CountCap:      countCap,
	})
	if err != nil {
		return risk.Decision{}, store.Decision{}, "", err
	}
	rc := s.recognise(ctx, h, fp, edge)
	f.KnownDevice, f.DeviceMismatch, f.DeviceRecognised = rc.known, rc.mismatch, rc.recognised
	f.Watchlisted = h.Watchlisted
	f.CardCount, f.DeviceCount, f.IPCount, f.Failures = h.CardCount, h.DeviceCount, h.IPCount, h.Failures
	f.MerchantFailures, f.FraudReported = h.MerchantFailures, h.FraudReported
	f.CountCap = countCap
	f.DenylistedDevice, f.DenylistedAddress, f.DenylistedMerchant = h.DenylistedDevice, h.DenylistedAddress, h.DenylistedMerchant
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

	d = s.risk.Decide(f)
	d.Reasons = append(d.Reasons, notes...)
	reasons, _ := json.Marshal(d.Reasons)
	signals, _ := json.Marshal(usedSignals{
		DeviceID: deviceHash != nil, DeviceWhy: rc.why, IP: edge.IP, Country: edge.Country, ASN: edge.ASN,
		Timezone: dev.Timezone, Webdriver: dev.Webdriver, Headless: f.Headless, ProviderOK: f.Provider != nil,
	})
	facts, _ := json.Marshal(f)
	var fpJSON []byte
	if !fp.Empty() {
		fpJSON, _ = json.Marshal(fp)
	}
	return d, store.Decision{
		Decision: d.Outcome, Score: d.Score, Reasons: string(reasons), Signals: string(signals), Facts: string(facts),
		DeviceHash: deviceHash, Fingerprint: string(fpJSON),
		IP: edge.IP, IPNet: ipNet, IPCountry: edge.Country, ASN: edge.ASN,
	}, setCookie, nil
}
