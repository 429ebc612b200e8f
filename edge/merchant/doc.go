// Package merchant is what a merchant's server imports to trust the outcome
// of a cardholder authentication: it verifies the result token the honnin
// iframe posts to the merchant's page against the issuer's published keys.
//
// The page must never decide that a purchase is authenticated; it only
// carries the token to the server, which calls Verify:
//
//	v, err := merchant.NewVerifier("https://issuer.example/.well-known/jwks.json", "https://shop.example")
//	...
//	res, err := v.Verify(ctx, resultToken, order.AuthenticationID)
//	if err != nil { /* refuse: forged, expired, another purchase's token, or keys unreachable */ }
//	if res.Authenticated() { /* authorise the payment with res.AV and res.ECI */ }
//
// Verify binds the token to three things the merchant already knows: the
// edge as its issuer, the merchant's own origin as its audience (a token
// minted for another shop is refused), and the authentication the merchant
// created for this purchase (a token won for a cheap purchase cannot pay for
// an expensive one). Replay of one token for the same purchase is the
// caller's to refuse: mark the order complete once, as the demo shop does.
//
// The keys are cached for the JWKS response's max-age (30 s to 24 h, 5 min by
// default). While the issuer's JWKS cannot be fetched, keys already held keep
// verifying the tokens they signed for up to a day past their cache age
// (stale-if-error); only a cold cache, or a token signed with a key never
// seen, fails with ErrKeysUnavailable.
//
// The package depends only on edge/challenge and the standard library, so a
// merchant does not pull the issuer's code into its binary.
package merchant
