package view

import (
	"errors"
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/onetime"
)

// TestNormalizeCode: the client applies edge/onetime's rule (its own table
// is there) and answers with the view's errors, keeping onetime's reason.
func TestNormalizeCode(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		err    error
		reason error
	}{
		{"123456", "123456", nil, nil},
		{" １２３　４５６\n", "123456", nil, nil},
		{"123-456", "123456", nil, nil},
		{"", "", ErrCodeEmpty, onetime.ErrEmpty},
		{"\u3000 - ", "", ErrCodeEmpty, onetime.ErrEmpty},
		{"12345", "", ErrCodeFormat, onetime.ErrLength},
		{"1234567", "", ErrCodeFormat, onetime.ErrLength},
		{"12345a", "", ErrCodeFormat, onetime.ErrNotDigit},
		{"١٢٣٤٥٦", "", ErrCodeFormat, onetime.ErrNotDigit},
	}
	for _, tt := range tests {
		got, err := NormalizeCode(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
		if tt.err == ErrCodeFormat && !errors.Is(err, tt.reason) {
			t.Errorf("NormalizeCode(%q) = %v, which does not say %v", tt.in, err, tt.reason)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrCodeEmpty},
		{" ", nil}, // spaces may be part of a password
		{"correct horse", nil},
		{"１２３４５６", nil},
		{strings.Repeat("x", 128), nil},
		{strings.Repeat("パ", 128), nil}, // characters, not bytes
		{strings.Repeat("x", 129), ErrPassword},
	}
	for _, tt := range tests {
		if err := CheckPassword(tt.in); !errors.Is(err, tt.want) {
			t.Errorf("CheckPassword(%q) = %v, want %v", tt.in, err, tt.want)
		}
	}
}
