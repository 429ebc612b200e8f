package pgurl

import "testing"

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		".dev/issuer.db": ".dev/issuer.db",
		"postgres://honnin:s3cret@db:5432/honnin?sslmode=disable":    "postgres://honnin:xxxxx@db:5432/honnin?sslmode=disable",
		"postgresql://db/honnin?password=s3cret&sslmode=verify-full": "postgresql://db/honnin?password=xxxxx&sslmode=verify-full",
		"postgres:///honnin?host=/run/postgresql":                    "postgres:///honnin?host=/run/postgresql",
		"postgres://a b@%zz/x":                                       "(unparsable URL)",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	if Is("postgresx://a") || !Is("postgresql://a") || Is("file.db") {
		t.Error("Is misjudges a scheme")
	}
}
