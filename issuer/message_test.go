package issuer

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckPersonalMessage(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"こんにちは", "こんにちは", true},
		{"  two\r\nlines ", "two\nlines", true},
		{strings.Repeat("あ", MaxPersonalMessageRunes), strings.Repeat("あ", MaxPersonalMessageRunes), true},
		{strings.Repeat("あ", MaxPersonalMessageRunes+1), "", false},
		{"", "", false},
		{" \n ", "", false},
		{"a\nb\nc", "", false},
		{"tab\there", "", false},
		{"bidi\u202eoverride", "", false},
		{"zero\u200bwidth", "", false},
		{"bad \xff utf-8", "", false},
	}
	for _, tt := range tests {
		got, err := CheckPersonalMessage(tt.in)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("CheckPersonalMessage(%q) = %q, %v", tt.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("CheckPersonalMessage(%q): %v is not ErrInvalidMessage", tt.in, err)
		}
	}
}
