package d1

import "testing"

func TestUnavailable(t *testing.T) {
	for _, tt := range []struct {
		msg  string
		want bool
	}{
		{"D1_ERROR: Network connection lost.", true},
		{"Error: D1_ERROR: Durable Object storage caused object to be reset.", true},
		{"D1_ERROR: Durable Object reset because its code was updated.", true},
		{"D1_ERROR: D1 DB is overloaded. Requests queued for too long.", true},
		{"D1_ERROR: UNIQUE constraint failed: edge_report.jti: SQLITE_CONSTRAINT", false},
		{`D1_EXEC_ERROR: Error in line 1: near "INSERTZ": syntax error`, false},
		{"", false},
	} {
		if got := unavailable(tt.msg); got != tt.want {
			t.Errorf("unavailable(%q) = %v, want %v", tt.msg, got, tt.want)
		}
	}
}
