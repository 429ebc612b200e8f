package wire

import (
	"strings"
	"unicode/utf16"
)

// gsm7 holds the GSM 03.38 default alphabet (one septet each) and
// gsm7ext its extension table (two septets: escape and the character).
const (
	gsm7    = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7ext = "\f^{}\\[~]|€"
)

// Segments is how many SMS segments text takes: GSM-7 when every character
// is in the GSM default alphabet or its extension (160 septets in one
// segment, 153 per segment when concatenated), else UCS-2 (70 UTF-16 units,
// 67 when concatenated). Providers bill and deliver per segment.
func Segments(text string) int {
	septets, gsm := 0, true
	for _, r := range text {
		switch {
		case strings.ContainsRune(gsm7, r):
			septets++
		case strings.ContainsRune(gsm7ext, r):
			septets += 2
		default:
			gsm = false
		}
	}
	if gsm {
		return segments(septets, 160, 153)
	}
	units := 0
	for _, r := range text {
		if utf16.RuneLen(r) == 2 {
			units += 2
		} else {
			units++
		}
	}
	return segments(units, 70, 67)
}

func segments(n, single, multi int) int {
	if n <= single {
		return 1
	}
	return (n + multi - 1) / multi
}
