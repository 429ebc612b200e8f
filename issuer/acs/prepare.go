package acs

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/honnin/honnin/issuer/store"
)

// Prepare keeps the device signals Honnin.prepare collected for
// authentication id, before its first start, and returns the device cookie
// the edge sets (s.deviceCookie: the browser's own when it verifies, else
// a fresh one; "" to leave the browser's as it is). Start reads the kept
// signals when its own are missing (Store.PreparedSignals).
//
// A prepare is best-effort, so an authentication that was decided already,
// or has its outcome, is not a refusal: the signals are read by nothing any
// more, and are dropped, but the browser still gets its cookie. An unknown
// id is a refusal (not found), as for a start.
func (s *Service) Prepare(ctx context.Context, id string, sig Signals) (cookie string, err error) {
	if err := sig.Device.Validate(); err != nil {
		return "", refuse(Invalid, "bad_request", "device: %v", err)
	}
	if err := sig.Edge.Validate(); err != nil {
		return "", refuse(Invalid, "bad_request", "edge: %v", err)
	}
	dev, err := json.Marshal(sig.Device)
	if err != nil {
		return "", err
	}
	err = s.store.RecordPreparedSignals(ctx, id, string(dev), s.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", errNotFound
	case errors.Is(err, store.ErrConflict):
		s.log.LogAttrs(ctx, slog.LevelInfo, "acs: prepare after the decision, signals dropped",
			slog.String("authentication", id), slog.Any("err", err))
	case err != nil:
		return "", err
	}
	return s.deviceCookie(sig.Edge.DeviceCookie), nil
}
