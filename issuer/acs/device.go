package acs

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/issuer/device"
	"github.com/honnin/honnin/issuer/store"
)

// deviceIdentity reads the device cookie the edge passed on. A cookie the
// issuer signed names the device (id); with none, or a forged one, and
// mint set, a fresh id is minted and setCookie is what the edge must set.
// The body's device_id (the client's local storage) is never signed: a
// script that replays someone's id must not get it made into a cookie.
func (s *Service) deviceIdentity(edgeCookie string, mint bool) (id, setCookie string) {
	if id, ok := s.cookies.Open(edgeCookie); ok {
		return id, ""
	}
	if !mint {
		return "", ""
	}
	setCookie, id = s.cookies.Mint()
	return id, setCookie
}

// deviceCookie is the cookie the edge must set for a client that
// presented edgeCookie: "" when it is one the issuer signed.
func (s *Service) deviceCookie(edgeCookie string) string {
	_, c := s.deviceIdentity(edgeCookie, true)
	return c
}

// recognition is what the card's device history says of the device now.
type recognition struct {
	known, mismatch, recognised bool
	// why is the signal that differed, for a mismatch.
	why string
}

// recognise compares the device now (its fingerprint, the country and
// network of its address) with the card's records: its own record when its
// id succeeded before (known unless the signals changed: a replayed id),
// else every recent device of the card by fingerprint (the same browser on
// another merchant site, or in a new profile), whose country and network
// must agree where both are known: phones of one model in one city look
// alike (issuer/device/README.md measures it), and the network is what a
// stranger with the same phone most likely does not share.
func (s *Service) recognise(ctx context.Context, h store.History, fp device.Fingerprint, edge contract.EdgeSignals) recognition {
	var r recognition
	if h.Device != nil {
		known := s.fingerprint(ctx, h.Device.Fingerprint)
		ok, why := device.Consistent(known, h.Device.Country, h.Device.ASN, fp, edge.Country, edge.ASN)
		if ok {
			return recognition{known: true}
		}
		r.mismatch, r.why = true, why
	}
	if fp.Empty() {
		return r
	}
	for _, d := range h.Devices {
		known := s.fingerprint(ctx, d.Fingerprint)
		if d.Country != "" && edge.Country != "" && d.Country != edge.Country ||
			d.ASN != 0 && edge.ASN != 0 && d.ASN != edge.ASN {
			continue
		}
		if device.Match(known, fp) {
			r.recognised = true
			return r
		}
	}
	return r
}

// fingerprint reads a stored fingerprint; an unreadable one is empty (it
// matches nothing) and logged.
func (s *Service) fingerprint(ctx context.Context, stored string) device.Fingerprint {
	var fp device.Fingerprint
	if stored == "" {
		return fp
	}
	if err := json.Unmarshal([]byte(stored), &fp); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "acs: stored device fingerprint unreadable", slog.Any("err", err))
		return device.Fingerprint{}
	}
	return fp
}
