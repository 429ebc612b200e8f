package money_test

import (
	"slices"
	"testing"

	"golang.org/x/text/currency"

	"github.com/honnin/honnin/edge/money"
)

// TestExponentsAgainstCLDR cross-checks the table with the one in
// golang.org/x/text/currency (Unicode CLDR's currency data). It is a test
// only: the package itself stays stdlib-only for the wasm client.
//
// CLDR's "digits" are display digits, which ISO 4217's minor unit is not:
// for the currencies below CLDR shows no decimals (or, for IQD, fewer)
// because they are rarely used, while ISO 4217, which amounts in minor
// units follow, keeps them. An amount of 125000 IDR is 1,250.00 IDR, never
// 125,000 IDR. Each entry is ISO 4217's exponent; the test fails if one
// stops differing, so the list cannot go stale.
var isoOverCLDR = map[string]int{
	"AFN": 2, "ALL": 2, "AMD": 2, "COP": 2, "GYD": 2, "IDR": 2, "IQD": 3, "IRR": 2,
	"KPW": 2, "LAK": 2, "LBP": 2, "MGA": 2, "MMK": 2, "MNT": 2, "MUR": 2, "PKR": 2,
	"RSD": 2, "SOS": 2, "SYP": 2, "TZS": 2, "UZS": 2, "YER": 2,
}

// newerThanCLDR are codes the x/text in go.mod does not know yet: ISO 4217
// added them after its CLDR release (ISO's exponent follows).
var newerThanCLDR = map[string]int{
	"MRU": 2, // 2018, Mauritania's redenominated ouguiya (five khoums: ISO still says 2)
	"SLE": 2, // 2022, Sierra Leone's redenominated leone
	"VED": 2, // 2021, Venezuela's digital bolívar
	"VES": 2, // 2018, Venezuela's sovereign bolívar
	"XCG": 2, // 2025, the Caribbean guilder (Curaçao, Sint Maarten)
	"ZWG": 2, // 2024, Zimbabwe Gold
}

func TestExponentsAgainstCLDR(t *testing.T) {
	for _, code := range accepted(t) {
		exp, ok := money.Exponent(code)
		if !ok {
			t.Fatalf("Exponent(%s) not ok for an accepted code", code)
		}
		unit, err := currency.ParseISO(code)
		if err != nil {
			want, listed := newerThanCLDR[code]
			switch {
			case !listed:
				t.Errorf("%s: unknown to CLDR (%v) and not listed as newer", code, err)
			case exp != want:
				t.Errorf("%s: exponent %d, want ISO's %d", code, exp, want)
			}
			continue
		}
		if _, listed := newerThanCLDR[code]; listed {
			t.Errorf("%s: listed as newer than CLDR, but x/text knows it now: move it", code)
		}
		cldr, _ := currency.Standard.Rounding(unit)
		if want, listed := isoOverCLDR[code]; listed {
			if cldr == want {
				t.Errorf("%s: CLDR now agrees with ISO (%d): drop it from isoOverCLDR", code, cldr)
			}
			if exp != want {
				t.Errorf("%s: exponent %d, want ISO's %d (CLDR shows %d)", code, exp, want, cldr)
			}
			continue
		}
		if exp != cldr {
			t.Errorf("%s: exponent %d, CLDR's %d", code, exp, cldr)
		}
	}
}

// accepted lists every code money accepts, checking Codes against Valid
// over every three capital letters.
func accepted(t *testing.T) []string {
	want := slices.Collect(money.Codes())
	var got []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			for c := 'A'; c <= 'Z'; c++ {
				if code := string([]rune{a, b, c}); money.Valid(code) {
					got = append(got, code)
				}
			}
		}
	}
	if !slices.Equal(got, want) || len(got) != 155 {
		t.Fatalf("Valid accepts %d codes, Codes yields %d; want the same 155", len(got), len(want))
	}
	return got
}
