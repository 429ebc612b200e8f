package view

import (
	"testing"

	"github.com/honnin/honnin/edge/challenge"
)

// TestValidStatus: the client accepts exactly the statuses the edge and the
// issuer do (edge/challenge's ValidStatus, the one list), checked over every
// string of up to two bytes.
func TestValidStatus(t *testing.T) {
	valid := 0
	check := func(s string) {
		if validStatus(s) != challenge.ValidStatus(s) {
			t.Errorf("%q: the client says %v, edge/challenge %v", s, validStatus(s), challenge.ValidStatus(s))
		}
		if validStatus(s) {
			valid++
		}
	}
	check("")
	for a := range 256 {
		check(string([]byte{byte(a)}))
		for b := range 256 {
			check(string([]byte{byte(a), byte(b)}))
		}
	}
	if valid != 6 {
		t.Errorf("%d valid statuses, want Y N U A C R", valid)
	}
}
