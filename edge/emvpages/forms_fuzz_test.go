package emvpages

import (
	"net/url"
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/emv3ds"
	"github.com/honnin/honnin/edge/origin"
)

// FuzzForms reads a form body as each of the three endpoints does (the
// CReq, the challenge's end, the 3DS Method). Properties: no panic; a
// refused CReq is an Erro of component A with a code; whatever is accepted
// is what the edge later writes into a page or a header unchecked — session
// data of at most 1024 base64url characters, a notification origin that is
// a plain serialized origin (no ';', space or quote to add a CSP directive
// or leave an attribute), an end that can only be cancelled or timed out.
func FuzzForms(f *testing.F) {
	creq, _ := emv3ds.Encode(emv3ds.CReq{MessageType: "CReq", MessageVersion: "2.2.0", ThreeDSServerTransID: "s", ACSTransID: "a", ChallengeWindowSize: "05"})
	md, _ := emv3ds.Encode(emv3ds.MethodData{ThreeDSServerTransID: "s", ThreeDSMethodNotificationURL: "https://r.example:8443/n?x=1"})
	for _, s := range []string{
		"creq=" + creq,
		"creq=" + creq + "%3D%3D&threeDSSessionData=abc_-%3D",
		"creq=" + creq + "&creq=" + creq,
		"creq=" + creq + "&threeDSSessionData=%22%3E%3Cx",
		"st=a.b.c&sd=xyz&end=cancel",
		"st=a.b.c&end=done&end=cancel",
		"st=&sd=",
		"threeDSMethodData=" + md,
		"threeDSMethodData=" + md + "&threeDSMethodData=x",
		"%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return // ParseForm refuses the same body
		}
		if c, e := readCReq(v); e != nil {
			if e.ErrorComponent != emv3ds.ComponentACS || e.ErrorCode == "" || e.MessageType != emv3ds.TypeErro {
				t.Fatalf("refusal %+v", e)
			}
		} else {
			if c.CReq.ACSTransID == "" || !emv3ds.SupportedVersion(c.CReq.MessageVersion) {
				t.Fatalf("accepted CReq %+v", c.CReq)
			}
			checkSessionData(t, c.SessionData)
		}
		if c, err := readCRes(v); err == nil {
			if c.ST == "" || c.Reason != contract.ReasonCancelled && c.Reason != contract.ReasonTimedOut {
				t.Fatalf("accepted end %+v", c)
			}
			if c.Reason == contract.ReasonCancelled && v.Get(fieldEnd) != contract.EMVEndCancel {
				t.Fatalf("end %q read as a cancel", v.Get(fieldEnd))
			}
			checkSessionData(t, c.SD)
		}
		if m, err := readMethod(v); err == nil {
			if m.Data.ThreeDSServerTransID == "" || !origin.Valid(m.Origin) || strings.ContainsAny(m.Origin, "; '\"") {
				t.Fatalf("accepted method %+v", m)
			}
			if !strings.HasPrefix(strings.ToLower(m.Data.ThreeDSMethodNotificationURL), m.Origin) {
				t.Fatalf("origin %q is not the notification URL's %q", m.Origin, m.Data.ThreeDSMethodNotificationURL)
			}
		}
	})
}

func checkSessionData(t *testing.T, sd string) {
	t.Helper()
	if len(sd) > maxSessionData || strings.Trim(sd, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=") != "" {
		t.Fatalf("accepted session data %q", sd)
	}
}
