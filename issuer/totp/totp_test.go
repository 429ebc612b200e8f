package totp

import (
	"bytes"
	"encoding/hex"
	"image/png"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"

	"github.com/honnin/honnin/edge/testenv"
)

// RFC 6238 appendix B seeds: the ASCII digits repeated to the hash's size.
var (
	seed20 = []byte("12345678901234567890")
	seed32 = []byte("12345678901234567890123456789012")
	seed64 = []byte("1234567890123456789012345678901234567890123456789012345678901234")
)

func TestCodeRFC6238(t *testing.T) {
	// Appendix B: 8 digits, 30 s steps.
	times := []int64{59, 1111111109, 1111111111, 1234567890, 2000000000, 20000000000}
	for _, tc := range []struct {
		alg   string
		seed  []byte
		codes []string
	}{
		{"SHA1", seed20, []string{"94287082", "07081804", "14050471", "89005924", "69279037", "65353130"}},
		{"SHA256", seed32, []string{"46119246", "68084774", "67062674", "91819424", "90698825", "77737706"}},
		{"SHA512", seed64, []string{"90693936", "25091201", "99943326", "93441116", "38618901", "47863826"}},
	} {
		p := Params{Secret: tc.seed, Digits: 8, Period: 30, Algorithm: tc.alg}
		for i, unix := range times {
			got, err := Code(p, Step(time.Unix(unix, 0), 30))
			if err != nil {
				t.Fatalf("%s @%d: %v", tc.alg, unix, err)
			}
			if got != tc.codes[i] {
				t.Errorf("%s @%d = %s, want %s", tc.alg, unix, got, tc.codes[i])
			}
		}
	}
}

func TestCodeDefaults60s6Digits(t *testing.T) {
	// With honnin's defaults (60 s, 6 digits, SHA1) step n is RFC 4226
	// appendix D's HOTP value for counter n: an independent vector set.
	hotp := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	p := Params{Secret: seed20}
	for n, want := range hotp {
		for _, unix := range []int64{int64(n) * 60, int64(n)*60 + 59} {
			got, err := Code(p, Step(time.Unix(unix, 0), 0))
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("@%d = %s, want %s", unix, got, want)
			}
		}
	}
}

func TestStep(t *testing.T) {
	for _, tc := range []struct {
		unix   int64
		period int
		want   int64
	}{
		{0, 60, 0}, {59, 60, 0}, {60, 60, 1}, {1111111109, 30, 37037036},
		{1700000000, 60, 28333333}, {-1, 60, -1}, {-60, 60, -1}, {-61, 60, -2},
		{119, 0, 1}, // period ≤ 0 means the default 60
	} {
		if got := Step(time.Unix(tc.unix, 0), tc.period); got != tc.want {
			t.Errorf("Step(%d, %d) = %d, want %d", tc.unix, tc.period, got, tc.want)
		}
	}
}

func TestWindow(t *testing.T) {
	p := Params{Secret: seed20}
	from := time.Unix(1700000000, 0) // step 28333333, 20 s into it
	to := from.Add(5 * time.Minute)  // step 28333338
	for _, tc := range []struct {
		skew        int
		first, last int64
	}{
		{0, 28333333, 28333338},
		{1, 28333332, 28333339},
		{3, 28333330, 28333341},
	} {
		w, err := Window(p, from, to, tc.skew)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(w)) != tc.last-tc.first+1 || w[0].Step != tc.first || w[len(w)-1].Step != tc.last {
			t.Fatalf("skew %d: %d steps %d..%d, want %d..%d", tc.skew, len(w), w[0].Step, w[len(w)-1].Step, tc.first, tc.last)
		}
		for i, sc := range w {
			if sc.Step != tc.first+int64(i) {
				t.Fatalf("skew %d: entry %d is step %d", tc.skew, i, sc.Step)
			}
			want, _ := Code(p, sc.Step)
			if sc.Code != want || len(sc.Code) != 6 {
				t.Fatalf("step %d: code %q, want %q", sc.Step, sc.Code, want)
			}
		}
	}
	// from and to in one step: 1 + 2·skew codes.
	if w, err := Window(p, from, from, 1); err != nil || len(w) != 3 {
		t.Fatalf("single step: %v, %v", w, err)
	}
}

func TestWindowRefuses(t *testing.T) {
	p := Params{Secret: seed20}
	now := time.Unix(1700000000, 0)
	for name, tc := range map[string]struct {
		p        Params
		from, to time.Time
		skew     int
		want     string
	}{
		"to before from":  {p, now, now.Add(-time.Second), 1, "before"},
		"negative skew":   {p, now, now, -1, "skew"},
		"too many steps":  {p, now, now.Add(24 * time.Hour), 1, "exceeds"},
		"empty secret":    {Params{}, now, now, 1, "secret"},
		"5 digits":        {Params{Secret: seed20, Digits: 5}, now, now, 1, "digits"},
		"9 digits":        {Params{Secret: seed20, Digits: 9}, now, now, 1, "digits"},
		"negative period": {Params{Secret: seed20, Period: -30}, now, now, 1, "period"},
		"MD5":             {Params{Secret: seed20, Algorithm: "MD5"}, now, now, 1, "algorithm"},
		"before 1970":     {p, time.Unix(30, 0), time.Unix(30, 0), 1, "negative step"},
	} {
		w, err := Window(tc.p, tc.from, tc.to, tc.skew)
		if err == nil || !strings.Contains(err.Error(), tc.want) || w != nil {
			t.Errorf("%s: %v, %v; want error with %q", name, w, err, tc.want)
		}
	}
}

func TestParseAlgorithm(t *testing.T) {
	for in, want := range map[string]string{"": "SHA1", "sha1": "SHA1", "SHA-256": "SHA256", "HMAC-SHA512": "SHA512", " sha512 ": "SHA512"} {
		if got, err := ParseAlgorithm(in); err != nil || got != want {
			t.Errorf("ParseAlgorithm(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"MD5", "SHA384", "SHA3-256"} {
		if _, err := ParseAlgorithm(in); err == nil {
			t.Errorf("ParseAlgorithm(%q) accepted", in)
		}
	}
}

func TestNewSecret(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if len(a) != 20 || len(b) != 20 || bytes.Equal(a, b) {
		t.Fatalf("NewSecret: %x, %x", a, b)
	}
}

func TestURIAndQR(t *testing.T) {
	p := Params{Secret: seed20, Algorithm: "sha256"}
	uri := URI("JCB Bank", "taro@example.jp:1", p)
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" {
		t.Fatalf("URI %s", uri)
	}
	if label, _ := url.PathUnescape(strings.TrimPrefix(u.EscapedPath(), "/")); label != "JCB Bank:taro@example.jp:1" {
		t.Errorf("label %q in %s", label, uri)
	}
	q := u.Query()
	for k, want := range map[string]string{
		"secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "issuer": "JCB Bank",
		"algorithm": "SHA256", "digits": "6", "period": "60",
	} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q (%s)", k, q.Get(k), want, uri)
		}
	}
	// pquerna/otp, as an app would, reads back what we wrote.
	k, err := otp.NewKeyFromURL(uri)
	if err != nil {
		t.Fatal(err)
	}
	if k.Issuer() != "JCB Bank" || k.Period() != 60 || k.Digits() != otp.DigitsSix || k.Algorithm() != otp.AlgorithmSHA256 {
		t.Errorf("read back: issuer %q period %d digits %v alg %v", k.Issuer(), k.Period(), k.Digits(), k.Algorithm())
	}

	b, err := QRPNG(uri, 256)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() != 256 || r.Dy() != 256 {
		t.Errorf("QR is %v", r)
	}
	for _, size := range []int{10, 4096} {
		if _, err := QRPNG(uri, size); err == nil {
			t.Errorf("QRPNG size %d accepted", size)
		}
	}
	if _, err := QRPNG("otpauth://totp/%zz", 256); err == nil {
		t.Error("unparsable URI rendered")
	}
}

// oathtool is Debian's OATH Toolkit's code for secret at unix time.
func oathtool(t *testing.T, bin string, secret []byte, alg string, period, digits int, unix int64) string {
	t.Helper()
	out, err := exec.Command(bin, "--totp="+alg, "-s", strconv.Itoa(period), "-d", strconv.Itoa(digits),
		"-N", "@"+strconv.FormatInt(unix, 10), hex.EncodeToString(secret)).Output()
	if err != nil {
		t.Fatalf("oathtool: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func TestCodeMatchesOathtool(t *testing.T) {
	bin := testenv.LookPath(t, "oathtool")
	secret := NewSecret()
	for _, tc := range []struct {
		alg            string
		period, digits int
	}{
		{"SHA1", 60, 6}, {"SHA256", 60, 6}, {"SHA512", 60, 6},
		{"SHA1", 30, 8}, {"SHA256", 30, 7}, {"SHA512", 60, 8},
	} {
		p := Params{Secret: secret, Digits: tc.digits, Period: tc.period, Algorithm: tc.alg}
		for _, unix := range []int64{59, 60, 1111111109, 1700000000, 1799999999, time.Now().Unix(), 4102444800} {
			want := oathtool(t, bin, secret, tc.alg, tc.period, tc.digits, unix)
			got, err := Code(p, Step(time.Unix(unix, 0), tc.period))
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s/%ds/%d @%d: %s, oathtool %s", tc.alg, tc.period, tc.digits, unix, got, want)
			}
		}
	}
}
