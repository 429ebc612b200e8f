// Package pan handles primary account numbers (card numbers) so that the rest
// of the issuer never holds one in clear for longer than a request.
//
// A card number is parsed into a Number (digits only, length and Luhn
// checked), turned into its keyed hash with a Hasher for lookup, and reduced
// to its last four digits for display. Nothing stores a Number: the store
// keeps only the HMAC and Last4. Number's String and LogValue mask the digits
// so an accidental fmt or slog call does not write a card number to a log.
package pan
