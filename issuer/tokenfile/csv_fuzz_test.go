package tokenfile

import (
	"bytes"
	"encoding/base32"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseCSV reads token CSV files. Properties: an accepted file gives
// keys within the documented limits (serial pattern, unique serials, 16 to
// 128 byte seeds, 6 to 8 digits, 10 to 600 s, SHA1/SHA256/SHA512, TOTP);
// written back as CSV they read as the same keys; and an error never
// holds a seed that is anywhere in the file, whatever column it is in.
func FuzzParseCSV(f *testing.F) {
	f.Add([]byte(goodCSV))
	f.Add([]byte("serial,seed,digits,period\r\nX1,hex:3132333435363738393031323334353637383930,6,60\r\n"))
	f.Add([]byte("serial,seed,digits,period,algorithm\nhex:3132333435363738393031323334353637383930,A1,6,60,SHA1\n"))
	f.Add([]byte("serial,seed,digits,period,algorithm\nA1,6,hex:3132333435363738393031323334353637383930,60,SHA1\n"))
	f.Add([]byte("serial,seed,digits,period,algorithm\nA1,base32:GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,6,60,base32:GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n"))
	f.Add([]byte("serial,seed,digits,period\n\"A1\",\"hex:31323334353637383930313233343536\",6,60\nA1,hex:31323334353637383930313233343536,6,60\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ParseCSV(bytes.NewReader(data))
		if err != nil {
			for _, s := range seedsIn(data) {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("error holds the seed %q: %v", s, err)
				}
			}
			return
		}
		checkKeys(t, keys, MinSecretLen)
		var b strings.Builder
		b.WriteString("serial,seed,digits,period,algorithm\n")
		for i, k := range keys {
			seed := "hex:" + hex.EncodeToString(k.Secret)
			if i%2 == 1 {
				seed = "base32:" + b32(k.Secret)
			}
			fmt.Fprintf(&b, "%s,%s,%d,%d,%s\n", k.Serial, seed, k.Digits, k.Period, k.Algorithm)
		}
		again, err := ParseCSV(strings.NewReader(b.String()))
		if err != nil || !reflect.DeepEqual(again, keys) {
			t.Fatalf("keys written back read as %+v, %v\nwant %+v", again, err, keys)
		}
	})
}

// seedsIn returns every cell of a CSV file that is a seed ParseCSV would
// take, in the forms an error could show: the cell and its encoded value.
func seedsIn(data []byte) []string {
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	cr.Comment, cr.FieldsPerRecord, cr.TrimLeadingSpace, cr.LazyQuotes = '#', -1, true, true
	var out []string
	for {
		rec, err := cr.Read()
		if err != nil {
			break
		}
		for _, c := range rec {
			c = strings.TrimSpace(c)
			if _, err := csvSeed(c); err == nil {
				_, v, _ := strings.Cut(c, ":")
				out = append(out, c, strings.TrimSpace(v))
			}
		}
	}
	return out
}

// checkKeys restates the limits every reader's keys are within.
func checkKeys(t *testing.T, keys []Key, minSecret int) {
	t.Helper()
	if len(keys) == 0 {
		t.Fatal("no keys and no error")
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if !serialRE.MatchString(k.Serial) || seen[k.Serial] {
			t.Fatalf("serial %q (bad or repeated)", k.Serial)
		}
		seen[k.Serial] = true
		if len(k.Secret) < minSecret || len(k.Secret) > MaxSecretLen || k.Digits < 6 || k.Digits > 8 {
			t.Fatalf("key %s: %d-byte secret, %d digits", k.Serial, len(k.Secret), k.Digits)
		}
		switch k.Algorithm {
		case "SHA1", "SHA256", "SHA512":
		default:
			t.Fatalf("key %s: algorithm %q", k.Serial, k.Algorithm)
		}
		switch {
		case k.Kind == "totp" && k.Period >= 1 && k.Period <= 3600:
		case k.Kind == "hotp" && k.Period == 0:
		default:
			t.Fatalf("key %s: kind %q, period %d", k.Serial, k.Kind, k.Period)
		}
	}
}

func b32(b []byte) string { return base32.StdEncoding.EncodeToString(b) }
