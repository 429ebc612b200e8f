// Package shop is the demo merchant: one product, a card form, the honnin
// challenge mounted in its checkout page, and the server-side check of the
// result token that alone decides whether an order is paid.
//
// It is written the way a real merchant integration should be, because it is
// the reference merchants copy: the API key stays on the server, the order
// is bound to the authentication the shop created for it, the result token
// is verified against the issuer's JWKS (never trusted because the page
// said so), an order completes once, and every form is CSRF-protected.
//
//	GET  /              product page with the card form
//	POST /checkout      creates the authentication at the issuer
//	GET  /pay/{id}      mounts the challenge (status C)
//	POST /complete      JSON: verifies the result token, marks the order paid
//	GET  /orders/{id}   paid or not, with status, ECI and reason
//	GET  /static/...    the stylesheet and the checkout script
//
// Orders live in memory: restarting the shop forgets them.
package shop
