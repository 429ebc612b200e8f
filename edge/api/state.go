package api

import (
	"context"
	"net/http"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/edge/ledger"
)

var errSuperseded = jsonapi.Errorf(http.StatusConflict, contract.CodeSuperseded, "a newer code was sent; use the newest challenge")

// current checks that challenge c may still be acted on: its
// authentication has no result yet and no newer generation was sent.
func (h *Handler) current(ctx context.Context, c *challenge.ChallengeClaims) (ledger.Entry, error) {
	e, err := h.ledger.Lookup(ctx, c.Subject)
	if err != nil {
		return ledger.Entry{}, err
	}
	if e.Finished {
		return ledger.Entry{}, errAlreadyUsed
	}
	if c.Gen < e.Gen {
		return ledger.Entry{}, errSuperseded
	}
	return e, nil
}
