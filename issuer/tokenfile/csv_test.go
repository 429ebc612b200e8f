package tokenfile

import (
	"encoding/hex"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/testenv"
	"github.com/honnin/honnin/issuer/totp"
)

// goodCSV mixes hex and base32 seeds, the algorithms and the optional
// column's empty cell, with a BOM, a comment and a blank line.
const goodCSV = "\ufeffSerial, Seed ,digits,period,algorithm\n" +
	"# batch 2026-11, Acme\n" +
	"A0000001,hex:3132333435363738393031323334353637383930,6,60,\n" +
	"\n" +
	"A0000002,base32:GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,6,60,SHA256\n" +
	"A0000003,HEX:3132333435363738393031323334353637383930313233343536373839303132,8,30,sha512\n" +
	"A0000004,base32:gezd gnbv gy3t qojq gezd gnbv gy3t qojq gezd gnbv gy3t qojq ge======,6,60,SHA1\n"

func TestParseCSV(t *testing.T) {
	keys, err := ParseCSV(strings.NewReader(goodCSV))
	if err != nil {
		t.Fatal(err)
	}
	s32 := []byte("12345678901234567890123456789012")
	sameKeys(t, keys, []Key{
		{Serial: "A0000001", Secret: secret20, Digits: 6, Period: 60, Algorithm: "SHA1", Kind: "totp"},
		{Serial: "A0000002", Secret: secret20, Digits: 6, Period: 60, Algorithm: "SHA256", Kind: "totp"},
		{Serial: "A0000003", Secret: s32, Digits: 8, Period: 30, Algorithm: "SHA512", Kind: "totp"},
		{Serial: "A0000004", Secret: s32[:31], Digits: 6, Period: 60, Algorithm: "SHA1", Kind: "totp"},
	})

	// Four columns: SHA1.
	keys, err = ParseCSV(strings.NewReader("serial,seed,digits,period\r\nX1,hex:3132333435363738393031323334353637383930,6,60\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	sameKeys(t, keys, []Key{{Serial: "X1", Secret: secret20, Digits: 6, Period: 60, Algorithm: "SHA1", Kind: "totp"}})
}

func TestParseCSVRefuses(t *testing.T) {
	const (
		header = "serial,seed,digits,period,algorithm\n"
		seed   = "hex:3132333435363738393031323334353637383930"
		row    = "A1," + seed + ",6,60,SHA1\n"
	)
	for name, tc := range map[string]struct{ csv, errText string }{
		"empty":            {"", "empty file"},
		"header only":      {header, "no keys"},
		"no header":        {row, "line 1: the header must be"},
		"header order":     {"seed,serial,digits,period\n" + row, "line 1: the header must be"},
		"extra column":     {"serial,seed,digits,period,algorithm,pin\n", "line 1: the header must be"},
		"short row":        {header + row + "A2," + seed + ",6\n", "line 3: 3 fields, want 5"},
		"long row":         {header + "A2," + seed + ",6,60,SHA1,x\n", "line 2: 6 fields"},
		"duplicate serial": {header + row + "B2," + seed + ",6,60,\n" + row, "line 4: serial A1 already on line 2"},
		"empty serial":     {header + "," + seed + ",6,60,\n", "line 2: serial"},
		"serial spaces":    {header + "A 1," + seed + ",6,60,\n", "line 2: serial"},
		"no prefix":        {header + "A2,3132333435363738393031323334353637383930,6,60,\n", `line 2: seed: no "hex:"`},
		"other prefix":     {header + "A2,b64:MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=,6,60,\n", "line 2: seed: prefix"},
		"odd hex":          {header + "A2,hex:313233343536373839303132333435363738393,6,60,\n", "line 2: seed: not hex"},
		"hex with base32":  {header + "A2,hex:GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,6,60,\n", "line 2: seed: not hex"},
		"base32 with 1":    {header + "A2,base32:1EZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,6,60,\n", "line 2: seed: not base32"},
		"short seed":       {header + "A2,hex:31323334353637383930,6,60,\n", "line 2: seed: 10 bytes"},
		"digits 5":         {header + "A2," + seed + ",5,60,\n", "line 2: digits"},
		"digits empty":     {header + "A2," + seed + ",,60,\n", "line 2: digits"},
		"period 0":         {header + "A2," + seed + ",6,0,\n", "line 2: period"},
		"period text":      {header + "A2," + seed + ",6,1m,\n", "line 2: period"},
		"algorithm":        {header + "A2," + seed + ",6,60,MD5\n", "line 2: totp: unsupported algorithm"},
		"bad quoting":      {header + "A2,\"" + seed + ",6,60,\n", "line"},
		"bad row last":     {header + row + strings.Repeat("B1,"+seed+",6,60,\n", 1) + "C1," + seed + ",6,61x,\n", "line 4: period"},
		"oversized":        {header + row + strings.Repeat("#", MaxFileSize), "exceeds"},
	} {
		t.Run(name, func(t *testing.T) {
			keys, err := ParseCSV(strings.NewReader(tc.csv))
			if err == nil || keys != nil {
				t.Fatalf("got %d keys, %v; want an error and no keys", len(keys), err)
			}
			if !strings.Contains(err.Error(), tc.errText) {
				t.Errorf("error %q lacks %q", err, tc.errText)
			}
			for _, secret := range []string{"31323334353637", "GEZDGNBVGY3TQOJQ", "MTIzNDU2"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows the seed", err)
				}
			}
		})
	}
}

// The seeds ParseCSV reads give, through issuer/totp, the codes oathtool
// computes from the seed as written in the file (oathtool decodes the
// base32 itself), so a decoding slip on either encoding shows.
func TestParseCSVCodesMatchOathtool(t *testing.T) {
	bin := testenv.LookPath(t, "oathtool")
	keys, err := ParseCSV(strings.NewReader(goodCSV))
	if err != nil {
		t.Fatal(err)
	}
	// The seed column of goodCSV's rows, as oathtool takes it.
	var written [][]string // {flag, seed}
	for _, line := range strings.Split(goodCSV, "\n") {
		f := strings.Split(line, ",")
		if len(f) < 2 || !strings.Contains(f[1], ":") {
			continue
		}
		enc, seed, _ := strings.Cut(f[1], ":")
		if strings.EqualFold(enc, "base32") {
			written = append(written, []string{"--base32", strings.ReplaceAll(seed, " ", "")})
		} else {
			written = append(written, []string{"", seed})
		}
	}
	if len(written) != len(keys) {
		t.Fatalf("%d seeds in the file, %d keys", len(written), len(keys))
	}
	now := time.Now().Unix()
	for i, k := range keys {
		p := totp.Params{Secret: k.Secret, Digits: k.Digits, Period: k.Period, Algorithm: k.Algorithm}
		for _, unix := range []int64{59, 1111111109, 1700000000, now} {
			args := []string{"--totp=" + k.Algorithm, "-s", strconv.Itoa(k.Period), "-d", strconv.Itoa(k.Digits), "-N", "@" + strconv.FormatInt(unix, 10)}
			if written[i][0] != "" {
				args = append(args, written[i][0])
			}
			out, err := exec.Command(bin, append(args, written[i][1])...).Output()
			if err != nil {
				t.Fatalf("oathtool %v: %v", args, err)
			}
			want := strings.TrimSpace(string(out))
			got, err := totp.Code(p, totp.Step(time.Unix(unix, 0), k.Period))
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s @%d: %s, oathtool %s (seed %x)", k.Serial, unix, got, want, hex.EncodeToString(k.Secret))
			}
		}
	}
}
