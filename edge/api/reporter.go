package api

import (
	"context"

	"github.com/honnin/honnin/edge/report"
)

// Reporter takes each outcome before the cardholder sees it; it must store
// it durably and deliver it to the issuer later, without making the caller
// wait for the issuer. edge/report implements it.
type Reporter interface {
	Enqueue(ctx context.Context, o report.Outcome) error
}
