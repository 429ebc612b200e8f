package merchant_test

import (
	"context"
	"errors"
	"log"

	"github.com/honnin/honnin/edge/merchant"
)

// A merchant server verifies the token its checkout page received from the
// honnin iframe, against the authentication it created for that order.
func ExampleVerifier_Verify() {
	v, err := merchant.NewVerifier("https://issuer.example/.well-known/jwks.json", "https://shop.example")
	if err != nil {
		log.Fatal(err) // a misconfiguration: fail at startup
	}
	var resultToken, authenticationID string // from the page, and from the order
	res, err := v.Verify(context.Background(), resultToken, authenticationID)
	switch {
	case errors.Is(err, merchant.ErrKeysUnavailable):
		// The issuer is unreachable: try again later, do not blame the cardholder.
	case err != nil:
		// Forged, expired, or another purchase's token: refuse.
	case res.Authenticated():
		// Authorise the payment, sending res.AV and res.ECI.
	default:
		// Not authenticated: res.Status and res.Reason say why.
	}
}
