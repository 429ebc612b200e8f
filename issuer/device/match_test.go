package device

import (
	"slices"
	"testing"
)

// laptop is a Chrome on a MacBook in Tokyo, every signal known.
func laptop() Fingerprint {
	return Fingerprint{Browser: Chrome, Major: 142, Platform: MacOS, ScreenLong: 1512, ScreenShort: 982, ColorDepth: 30,
		PixelRatio: 2, Cores: 10, Timezone: "Asia/Tokyo", Languages: []string{"ja", "en-US"}}
}

// phone is Safari on an iPhone 15 in Tokyo. Its touch points are its only
// zero-free difference from laptop's shape; TouchPoints is known.
func phone() Fingerprint {
	return Fingerprint{Browser: Safari, Major: 18, Platform: IOS, Mobile: true, ScreenLong: 852, ScreenShort: 393, ColorDepth: 24,
		PixelRatio: 3, Cores: 4, TouchPoints: 5, Timezone: "Asia/Tokyo", Languages: []string{"ja-JP"}}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name  string
		base  func() Fingerprint
		drift func(*Fingerprint)
		want  bool
	}{
		{"the same", laptop, func(f *Fingerprint) {}, true},
		{"browser updated by 3", laptop, func(f *Fingerprint) { f.Major += 3 }, true},
		{"Safari 18 to 26 is one update", phone, func(f *Fingerprint) { f.Major = 26 }, true},
		{"a language added", laptop, func(f *Fingerprint) { f.Languages = append(f.Languages, "fr") }, true},
		{"first language in another case", laptop, func(f *Fingerprint) { f.Languages = []string{"JA"} }, true},
		{"zoomed", laptop, func(f *Fingerprint) { f.PixelRatio = 2.2 }, true},
		{"external monitor: screen and ratio", laptop, func(f *Fingerprint) { f.ScreenLong, f.ScreenShort, f.PixelRatio = 2560, 1440, 1 }, true},
		{"external monitor and an update: two drifts", laptop, func(f *Fingerprint) {
			f.ScreenLong, f.ScreenShort, f.PixelRatio, f.Major = 2560, 1440, 1, 143
		}, true},
		{"three drifts at once", laptop, func(f *Fingerprint) {
			f.ScreenLong, f.ScreenShort, f.PixelRatio, f.Major = 2560, 1440, 1, 146
		}, false},
		{"external monitor with another colour depth: three", laptop, func(f *Fingerprint) {
			f.ScreenLong, f.ScreenShort, f.PixelRatio, f.ColorDepth = 2560, 1440, 1, 24
		}, false},
		{"browser 4 versions on, and zoomed", laptop, func(f *Fingerprint) { f.Major, f.PixelRatio = 146, 1.8 }, true},
		{"another processor count and screen", laptop, func(f *Fingerprint) { f.Cores, f.ScreenLong, f.ScreenShort = 8, 1440, 900 }, true},
		{"another browser", laptop, func(f *Fingerprint) { f.Browser = Safari }, false},
		{"another platform", laptop, func(f *Fingerprint) { f.Platform = Windows }, false},
		{"mobile now", laptop, func(f *Fingerprint) { f.Mobile = true }, false},
		{"another time zone", laptop, func(f *Fingerprint) { f.Timezone = "Asia/Seoul" }, false},
		{"no time zone on either side", laptop, func(f *Fingerprint) { f.Timezone = "" }, false},
		{"phone: same model, updated", phone, func(f *Fingerprint) { f.Major = 26; f.Languages = []string{"en-US"} }, true},
		{"phone: another model", phone, func(f *Fingerprint) { f.ScreenLong, f.ScreenShort = 844, 390 }, false},
		{"phone: screen unknown", phone, func(f *Fingerprint) { f.ScreenLong, f.ScreenShort = 0, 0 }, false},
		{"sparse: only the mandatory signals and 4 more", laptop, func(f *Fingerprint) { f.Cores, f.Languages, f.Major = 0, nil, 0 }, false},
		{"sparse on both sides", func() Fingerprint {
			return Fingerprint{Browser: Chrome, Platform: Windows, Timezone: "Asia/Tokyo"}
		}, func(f *Fingerprint) {}, false},
	}
	for _, tt := range tests {
		known := tt.base()
		seen := tt.base()
		seen.Languages = slices.Clone(seen.Languages)
		tt.drift(&seen)
		agree, differ := Compare(known, seen)
		if got := Match(known, seen); got != tt.want {
			t.Errorf("%s: Match = %v, want %v (compare %d, %d)", tt.name, got, tt.want, agree, differ)
		}
		if tt.name != "no time zone on either side" {
			if got := Match(seen, known); got != tt.want {
				t.Errorf("%s, the other way round: Match = %v, want %v", tt.name, got, tt.want)
			}
		}
	}
	if Match(Fingerprint{}, Fingerprint{}) {
		t.Error("two empty fingerprints match")
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name          string
		a, b          Fingerprint
		agree, differ int
	}{
		{"a phone with itself: all 7", phone(), phone(), 7, 0},
		{"a Mac with itself: no touch screen, 6", laptop(), laptop(), 6, 0},
		{"empty", Fingerprint{}, Fingerprint{}, 0, 0},
		{"one side empty", phone(), Fingerprint{}, 0, 0},
		{"a screen of another height", laptop(), func() Fingerprint { f := laptop(); f.ScreenShort = 900; return f }(), 5, 1},
		{"everything else", phone(), Fingerprint{Major: 30, ScreenLong: 1, ScreenShort: 1, ColorDepth: 1, PixelRatio: 1, Cores: 1,
			TouchPoints: 1, Languages: []string{"x"}}, 0, 7},
	}
	for _, tt := range tests {
		if agree, differ := Compare(tt.a, tt.b); agree != tt.agree || differ != tt.differ {
			t.Errorf("%s: Compare = %d, %d; want %d, %d", tt.name, agree, differ, tt.agree, tt.differ)
		}
	}
}

func TestConsistent(t *testing.T) {
	const jp, kddi, docomo = "JP", 2516, 9605
	tests := []struct {
		name  string
		known Fingerprint
		kc    string
		kasn  int64
		seen  Fingerprint
		c     string
		asn   int64
		ok    bool
		why   string
	}{
		{"the same", laptop(), jp, kddi, laptop(), jp, kddi, true, ""},
		{"soft signals drift", laptop(), jp, kddi, func() Fingerprint { f := laptop(); f.Major, f.ScreenLong, f.Cores = 150, 1, 2; return f }(),
			jp, kddi, true, ""},
		{"another browser", laptop(), jp, kddi, func() Fingerprint { f := laptop(); f.Browser = Firefox; return f }(), jp, kddi, false, WhyBrowser},
		{"another platform", laptop(), jp, kddi, func() Fingerprint { f := laptop(); f.Platform = Linux; return f }(), jp, kddi, false, WhyPlatform},
		{"mobile", laptop(), jp, kddi, func() Fingerprint { f := laptop(); f.Mobile = true; return f }(), jp, kddi, false, WhyMobile},
		{"another country", laptop(), jp, kddi, laptop(), "US", kddi, false, WhyCountry},
		{"country case", laptop(), jp, kddi, laptop(), "jp", kddi, true, ""},
		{"another network", laptop(), jp, kddi, laptop(), jp, docomo, false, WhyNetwork},
		{"the browser is named first", laptop(), jp, kddi, phone(), "US", docomo, false, WhyBrowser},
		{"a script: a made-up user agent, no other signals", phone(), jp, kddi, Fingerprint{Browser: Other}, jp, kddi, false, WhyBrowser},
		{"a record from before fingerprints: network only", Fingerprint{}, "", 0, phone(), jp, kddi, true, ""},
		{"a record from before fingerprints, another country", Fingerprint{}, jp, 0, phone(), "US", 0, false, WhyCountry},
		{"no signals now: network only", phone(), jp, kddi, Fingerprint{}, jp, kddi, true, ""},
		{"no signals now, another network", phone(), jp, kddi, Fingerprint{}, jp, docomo, false, WhyNetwork},
		{"country unknown now", phone(), jp, kddi, phone(), "", kddi, true, ""},
		{"ASN unknown then", phone(), jp, 0, phone(), jp, docomo, true, ""},
		{"platform without a user agent", Fingerprint{Platform: IOS}, jp, 0, Fingerprint{Platform: Android}, jp, 0, false, WhyPlatform},
		{"mobile is not compared without a user agent", Fingerprint{Platform: IOS, Mobile: true}, jp, 0, Fingerprint{Platform: IOS}, jp, 0, true, ""},
	}
	for _, tt := range tests {
		ok, why := Consistent(tt.known, tt.kc, tt.kasn, tt.seen, tt.c, tt.asn)
		if ok != tt.ok || why != tt.why {
			t.Errorf("%s: Consistent = %v, %q; want %v, %q", tt.name, ok, why, tt.ok, tt.why)
		}
	}
}
