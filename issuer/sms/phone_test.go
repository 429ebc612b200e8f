package sms

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePhone(t *testing.T) {
	tests := []struct {
		in, want string
		err      string // part of the error, "" for success
	}{
		{"090-1234-5678", "+819012345678", ""},
		{"08012345678", "+818012345678", ""},
		{"070 1234 5678", "+817012345678", ""},
		{"(090) 1234-5678", "+819012345678", ""},
		{"０９０ー１２３４ー５６７８", "+819012345678", ""},
		{"０９０－１２３４－５６７８", "+819012345678", ""},
		{"+81 90-1234-5678", "+819012345678", ""},
		{"＋８１９０１２３４５６７８", "+819012345678", ""},
		{"+1 (415) 555-0100", "+14155550100", ""},
		{"+44 7700 900123", "+447700900123", ""},
		{"  +819012345678  ", "+819012345678", ""},
		{"", "", "no digits"},
		{"-- ", "", "no digits"},
		{"03-1234-5678", "", "mobile number"},
		{"050-1234-5678", "", "mobile number"},
		{"090-1234-567", "", "mobile number"},
		{"090-1234-56789", "", "mobile number"},
		{"+81 3-1234-5678", "", "mobile number"},
		{"+81 090-1234-5678", "", "leave out the leading 0"},
		{"9012345678", "", "begin with +"},
		{"+0 123456789", "", "cannot start with 0"},
		{"+1234567", "", "8 to 15"},
		{"+1234567890123456", "", "8 to 15"},
		{"010-1-415-555-0100", "", "with +"},
		{"0044 7700 900123", "", "with +"},
		{"090+12345678", "", "+ may only begin"},
		{"090-1234-5678 ext 1", "", "unexpected character"},
		{"tel:+819012345678", "", "unexpected character"},
	}
	for _, tt := range tests {
		got, err := ParsePhone(tt.in)
		if tt.err == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParsePhone(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrInvalidPhone) {
			t.Errorf("ParsePhone(%q) = %q, %v; want ErrInvalidPhone with %q", tt.in, got, err, tt.err)
			continue
		}
		// Errors end up in logs: they must not repeat the number.
		if d := strings.Trim(tt.in, " +"); len(d) > 6 && strings.Contains(err.Error(), d) {
			t.Errorf("ParsePhone(%q) error repeats the number: %v", tt.in, err)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+819012345678", "***-****-5678"},
		{"090-1234-5678", "***-****-5678"},
		{"+14155550100", "***-****-0100"},
		{"０９０１２３４５６７８", "***-****-5678"},
		{"123456", "***-****-****"},
		{"", "***-****-****"},
		{"not a number", "***-****-****"},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
