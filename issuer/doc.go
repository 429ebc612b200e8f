// Package issuer holds the issuer's domain: the cardholder, their
// credentials and methods, the merchant, and the authentication of one
// purchase, with the small rules that belong to each (a credential's seed
// label, a merchant's allowed names, when an authentication is final).
//
// It does no I/O. The use cases that change these (enrol, start, resend,
// record an outcome) are in issuer/acs; their persistence is issuer/store;
// the doors that call them (the merchant and internal APIs, the portal,
// the CLI, the demo) are their own packages.
package issuer
