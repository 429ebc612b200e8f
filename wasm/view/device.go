package view

// The device signals are edge/contract's DeviceSignals: the browser side
// (wasm/device.go) fills them, Model.Start brings them within the edge's
// limits. Here is the device id they carry.

const hexDigits = "0123456789abcdef"

// NewDeviceID formats 16 random bytes as an RFC 9562 version 4 UUID. The
// browser supplies the bytes from crypto.getRandomValues: crypto.randomUUID
// throws outside secure contexts, and Go's crypto/rand would add size.
func NewDeviceID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // variant 10
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexDigits[c>>4], hexDigits[c&0x0f])
	}
	return string(out)
}

// ValidDeviceID reports whether s looks like an id NewDeviceID made. A value
// read back from localStorage is untrusted (another script on the edge
// origin, or a user, may have written it), so anything else is replaced.
func ValidDeviceID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		case 14:
			if c != '4' {
				return false
			}
		case 19:
			if c != '8' && c != '9' && c != 'a' && c != 'b' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}
