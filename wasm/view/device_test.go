package view

import "testing"

func TestNewDeviceID(t *testing.T) {
	tests := []struct {
		b    [16]byte
		want string
	}{
		{[16]byte{}, "00000000-0000-4000-8000-000000000000"},
		{[16]byte{0: 0xff, 1: 0xff, 2: 0xff, 3: 0xff, 4: 0xff, 5: 0xff, 6: 0xff, 7: 0xff, 8: 0xff, 9: 0xff, 10: 0xff, 11: 0xff, 12: 0xff, 13: 0xff, 14: 0xff, 15: 0xff},
			"ffffffff-ffff-4fff-bfff-ffffffffffff"},
		{[16]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0},
			"12345678-9abc-4ef0-9234-56789abcdef0"},
	}
	for _, tt := range tests {
		got := NewDeviceID(tt.b)
		if got != tt.want {
			t.Errorf("NewDeviceID(%x) = %q, want %q", tt.b, got, tt.want)
		}
		if !ValidDeviceID(got) {
			t.Errorf("ValidDeviceID(%q) = false for an id NewDeviceID made", got)
		}
	}
}

func TestValidDeviceID(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"12345678-9abc-4ef0-9234-56789abcdef0", true},
		{"12345678-9abc-4ef0-a234-56789abcdef0", true},
		{"12345678-9ABC-4EF0-9234-56789ABCDEF0", false}, // we write lower case
		{"12345678-9abc-1ef0-9234-56789abcdef0", false}, // version 1
		{"12345678-9abc-4ef0-c234-56789abcdef0", false}, // wrong variant
		{"123456789abc4ef0923456789abcdef0", false},
		{"12345678-9abc-4ef0-9234-56789abcdef0 ", false},
		{"", false},
		{"<script>alert(1)</script>-----------", false},
		{"12345678_9abc-4ef0-9234-56789abcdef0", false},
		{"1234567g-9abc-4ef0-9234-56789abcdef0", false},
	}
	for _, tt := range tests {
		if got := ValidDeviceID(tt.s); got != tt.want {
			t.Errorf("ValidDeviceID(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
