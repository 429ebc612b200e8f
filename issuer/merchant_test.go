package issuer_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/honnin/honnin/issuer"
)

func TestAPIKey(t *testing.T) {
	a, b := issuer.NewAPIKey(), issuer.NewAPIKey()
	if a == b || !strings.HasPrefix(a, "hk_") || len(a) < 40 {
		t.Errorf("keys %q %q", a, b)
	}
	if bytes.Equal(issuer.HashAPIKey(a), issuer.HashAPIKey(b)) || len(issuer.HashAPIKey(a)) != 32 {
		t.Error("HashAPIKey")
	}
}
