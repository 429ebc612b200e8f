package view

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeCode(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  error
	}{
		{"123456", "123456", nil},
		{"000000", "000000", nil},
		{" 123456 ", "123456", nil},
		{"\t123456\n", "123456", nil},
		{"123 456", "123456", nil},
		{"１２３４５６", "123456", nil},             // full-width digits from a Japanese IME
		{"１２３456", "123456", nil},             // mixed widths
		{"\u3000１２３４５６\u3000", "123456", nil}, // ideographic spaces
		{"", "", ErrCodeEmpty},
		{"   ", "", ErrCodeEmpty},
		{"\u3000", "", ErrCodeEmpty},
		{"12345", "", ErrCodeFormat},
		{"1234567", "", ErrCodeFormat},
		{"12345a", "", ErrCodeFormat},
		{"12-456", "", ErrCodeFormat},
		{"+12345", "", ErrCodeFormat},
		{"١٢٣٤٥٦", "", ErrCodeFormat}, // Arabic-Indic digits are digits, but not ours
		{"১২৩৪৫৬", "", ErrCodeFormat}, // Bengali digits
		{"12345\x00", "", ErrCodeFormat},
		{"12345\xff", "", ErrCodeFormat},    // invalid UTF-8
		{"123456\u200b", "", ErrCodeFormat}, // zero-width space is not white space
		{"①②③④⑤⑥", "", ErrCodeFormat},
	}
	for _, tt := range tests {
		got, err := NormalizeCode(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
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
