package dispatch

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestMaskEmail(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"taro@mail.jp", "***@mail.jp"},
		{"Taro.Yamada+shop@Example.CO.JP", "***@example.co.jp"},
		{"  taro@mail.jp\n", "***@mail.jp"},
		{"Taro Yamada <taro@mail.jp>", "***@mail.jp"},
		{"=?UTF-8?B?5bGx55Sw?= <taro@mail.jp>", "***@mail.jp"},
		{`"a@b"@mail.jp`, "***@mail.jp"},
		{"a@b@mail.jp", "***@mail.jp"},
		{"taro@例え.jp", "***@例え.jp"},
		{"@mail.jp", "***@mail.jp"},
		// Malformed: never echo any of the input.
		{"", "***"},
		{"taro", "***"},
		{"taro@", "***"},
		{"taro@mail..jp", "***"},
		{"taro@.mail.jp", "***"},
		{"taro@mail.jp.", "***"},
		{"taro@mail jp", "***"},
		{"taro@<script>", "***"},
		{"taro@mail.jp\u202e", "***"},
		{"taro@mail.jp>", "***"},
		{"taro@\xff", "***"},
	}
	for _, tt := range tests {
		if got := MaskEmail(tt.in); got != tt.want {
			t.Errorf("MaskEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactAddr(t *testing.T) {
	cause := errors.New(`send failed: 550 "5.1.1 no such user", affected recipient(s): taro@mail.jp`)
	err := redactAddr(cause, "taro@mail.jp")
	if strings.Contains(err.Error(), "taro@") {
		t.Fatalf("address not redacted: %v", err)
	}
	if !strings.Contains(err.Error(), "affected recipient(s): ***@mail.jp") {
		t.Errorf("redacted text = %q", err)
	}
	if !errors.Is(fmt.Errorf("wrapped: %w", err), cause) {
		t.Error("errors.Is no longer reaches the cause")
	}
	if other := errors.New("connection refused"); redactAddr(other, "taro@mail.jp") != other {
		t.Error("an error without the address should be returned as is")
	}
	if redactAddr(nil, "taro@mail.jp") != nil {
		t.Error("nil error became non-nil")
	}
}

func TestBareAddress(t *testing.T) {
	for _, tt := range []struct {
		s  string
		ok bool
	}{
		{"taro@mail.jp", true},
		{"たろう@例え.jp", true},
		{"Taro <taro@mail.jp>", false},
		{" taro@mail.jp", false},
		{"taro@mail.jp (work)", false},
		{"\u0095@ɧ", false},           // a C1 control in the local part (found by fuzzing)
		{"ta\u202ero@mail.jp", false}, // a bidi override
		{"taro@", false},
		{strings.Repeat("a", 250) + "@b.jp", false}, // over RFC 5321's 254
		{"", false},
	} {
		if got := BareAddress(tt.s); got != tt.ok {
			t.Errorf("BareAddress(%q) = %v, want %v", tt.s, got, tt.ok)
		}
	}
}
