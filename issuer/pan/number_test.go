package pan

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Number
		wantErr bool
	}{
		{in: "4111111111111111", want: "4111111111111111"},
		{in: "3530 1113 3330 0000", want: "3530111333300000"},    // JCB test card
		{in: "3540-1234-5678-9016", want: "3540123456789016"},    // demo card
		{in: " 3540 1234-5678 9024 ", want: "3540123456789024"},  // demo card, mixed separators
		{in: "378282246310005", want: "378282246310005"},         // 15 digits
		{in: "4222222222222", want: "4222222222222"},             // 13 digits, shortest
		{in: "1234567890123456785", want: "1234567890123456785"}, // 19 digits, longest
		{in: "4111111111111112", wantErr: true},                  // Luhn
		{in: "3540123456789017", wantErr: true},                  // Luhn, one digit off
		{in: "422222222222", wantErr: true},                      // 12 digits
		{in: "12345678901234567806", wantErr: true},              // 20 digits
		{in: "", wantErr: true},
		{in: "    ", wantErr: true},
		{in: "4111 1111 1111 111a", wantErr: true},
		{in: "4111.1111.1111.1111", wantErr: true},
		{in: "４１１１１１１１１１１１１１１１", wantErr: true}, // full-width digits
		{in: "+4111111111111111", wantErr: true},
		{in: "0000000000000", want: "0000000000000"}, // all zero passes Luhn; ranges decide enrolment
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("Parse(%q) = %q, %v; want ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Parse(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestCheckDigit(t *testing.T) {
	tests := []struct {
		partial string
		want    byte
		wantErr bool
	}{
		{partial: "411111111111111", want: '1'},
		{partial: "354012345678901", want: '6'},
		{partial: "354012345678902", want: '4'},
		{partial: "37828224631000", want: '5'},
		{partial: "0", want: '0'},
		{partial: "", wantErr: true},
		{partial: "12a", wantErr: true},
	}
	for _, tt := range tests {
		got, err := CheckDigit(tt.partial)
		if tt.wantErr {
			if err == nil {
				t.Errorf("CheckDigit(%q) = %c, want error", tt.partial, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("CheckDigit(%q) = %q, %v; want %q", tt.partial, got, err, tt.want)
		}
		if len(tt.partial) >= MinLen-1 {
			if _, err := Parse(tt.partial + string(got)); err != nil {
				t.Errorf("Parse(partial+check) = %v", err)
			}
		}
	}
}

func TestLast4AndMasking(t *testing.T) {
	n, err := Parse("3540 1234 5678 9016")
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Last4(); got != "9016" {
		t.Errorf("Last4 = %q, want 9016", got)
	}
	if got := n.Digits(); got != "3540123456789016" {
		t.Errorf("Digits = %q", got)
	}
	for name, s := range map[string]string{
		"String": n.String(),
		"Sprint": fmt.Sprint(n),
		"%v":     fmt.Sprintf("%v", n),
		"%s":     fmt.Sprintf("%s", n),
	} {
		if s != "************9016" {
			t.Errorf("%s = %q, want masked", name, s)
		}
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "pan", n)
	if strings.Contains(buf.String(), "3540123456789016") || !strings.Contains(buf.String(), "9016") {
		t.Errorf("slog output %q leaks or drops the number", buf.String())
	}
}
