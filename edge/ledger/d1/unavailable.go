package d1

import "strings"

// transient are the D1 error messages that say the database cannot serve
// now rather than that the statements are wrong: the three Cloudflare's
// D1 documentation names as worth retrying a write for (Retry queries,
// its shouldRetry example), and an overloaded database. Matched anywhere
// in the message: D1 prefixes them (D1_ERROR: …) and the runtime may wrap
// them.
var transient = [...]string{
	"Network connection lost",
	"storage caused object to be reset",
	"reset because its code was updated",
	"D1 DB is overloaded",
}

// unavailable reports whether msg, a D1 error's message, is one of the
// transient ones. The batch that met it was not applied (a D1 batch is one
// transaction), so the edge answers 503 and counts nothing, as for a
// native ledger's database (edge/dbfault).
func unavailable(msg string) bool {
	for _, t := range transient {
		if strings.Contains(msg, t) {
			return true
		}
	}
	return false
}
