package authvalue

import (
	"encoding/base64"
	"testing"
	"time"
)

// FuzzVerify feeds Verify any string. It must not panic, must refuse with
// a reason, and may accept only the 20 bytes minted for the purchase (a
// value that verifies re-encodes to a value that verifies the same).
func FuzzVerify(f *testing.F) {
	k := testKeys(f, 1, 1)
	good := mint(f, k, Facts{Purchase: buy, Status: "Y", Method: "04", At: t0})
	f.Add(good)
	f.Add(good[:27])
	f.Add(mint(f, k, Facts{Purchase: buy, Status: "A", Method: "00", At: t0}))
	f.Add("AQEAAAAAAAAAAAAAAAAAAAAAAAA=")
	f.Add("")
	f.Add("====")
	f.Fuzz(func(t *testing.T, av string) {
		c, err := k.Verify(av, buy, t0)
		if err != nil {
			if Reason(err) == "" {
				t.Fatalf("%q: refused without a reason: %v", av, err)
			}
			return
		}
		raw, derr := base64.RawStdEncoding.DecodeString(trimPad(av))
		if derr != nil || len(raw) != Size {
			t.Fatalf("%q verifies but is not 20 bytes of base64", av)
		}
		again, err := k.Verify(base64.StdEncoding.EncodeToString(raw), buy, t0.Add(time.Second))
		if err != nil || again != c {
			t.Fatalf("%q verifies as %+v, its canonical form as %+v, %v", av, c, again, err)
		}
	})
}

func trimPad(s string) string {
	for len(s) > 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
	}
	return s
}
