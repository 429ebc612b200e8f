// Package risk decides, before any code is sent, whether an authentication
// is frictionless (no screen, Y), challenged (the code screen) or denied (no
// screen, R).
//
// The decision is a sum of explainable rules (rules.go): each fired rule
// adds its configured weight and names itself with a reason code, so every
// decision can be read back as "score 55 = new_device 15 + country_mismatch
// 25 + timezone_mismatch 15". Thresholds map the score to the decision.
// An optional third-party provider (provider.go) adds its own score; when it
// is down, slow, or the cardholder opted out, the rules decide alone.
//
// The engine is pure: it is given Facts (the request's signals and the
// store's history) and returns a Decision, so the rule table is tested
// without a database and the store's part is measured on its own.
package risk
