package acs

import (
	"context"
	"errors"
	"testing"
)

func TestNormalizeRegistrationID(t *testing.T) {
	tests := []struct {
		typed, want string
		ok          bool
	}{
		{"1234567890", "1234567890", true},
		{"12345 67890", "1234567890", true}, // as the portal groups it
		{"12345-67890", "1234567890", true},
		{"１２３４５　６７８９０", "1234567890", true}, // full-width, as a Japanese IME types it
		{"123456789", "", false},
		{"12345678901", "", false},
		{"12345a7890", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizeRegistrationID(tt.typed)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeRegistrationID(%q) = %q, %v; want %q, ok %v", tt.typed, got, err, tt.want, tt.ok)
		}
	}
}

// TestRegisterRefuses: every refusal is the one ErrRegistrationRefused,
// whatever was wrong, so a caller learns nothing about which.
func TestRegisterRefuses(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ id, password string }{
		{"1234567890", "ABCDEFGHJK"}, // no such registration
		{"12345", "ABCDEFGHJK"},      // not an ID
		{"1234567890", ""},           // no password
	} {
		if _, err := f.svc.Apps().Register(context.Background(), tc.id, tc.password); !errors.Is(err, ErrRegistrationRefused) {
			t.Errorf("Register(%q, %q): %v, want ErrRegistrationRefused", tc.id, tc.password, err)
		}
	}
}
