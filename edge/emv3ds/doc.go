// Package emv3ds is the wire of EMV 3-D Secure 2.x as the issuer's access
// control server (ACS) speaks it: the messages it reads (AReq from the
// Directory Server, CReq from the cardholder's browser, RRes, the 3DS
// Method's data) and writes (ARes, final CRes, RReq, Erro), their field
// rules per protocol version and device channel, and the code lists
// (transStatus, transStatusReason, challengeCancel, ECI, Erro codes).
// J/Secure 2.0 is JCB's EMV 3DS, so these are JCB's messages too.
//
// Parsing is strict where Go's encoding/json is lenient: a duplicate key
// (Erro 204) and a key that matches a field only when case is ignored
// (Erro 203) are refused, and a value's presence, format, length and list
// are checked per version, channel and category before the message is
// used: the AReq's rules are one table (fields.go), a row per JSON name.
// Every refusal is an *Erro ready to send, with errorComponent A.
//
// Both the issuer (the DS-facing door and the RReq sender) and the edge
// (the CReq, the final CRes and the 3DS Method pages) import this package,
// so it imports only the standard library, and no networking package but
// the two that parse text: net/url (URL fields) and net/netip (browserIP).
// TestImportRules keeps it so.
//
// The facts behind every rule, with their sources, are in the project's
// EMV 3DS note (shared/notes/emv3ds.md); each rule here names its table.
package emv3ds
