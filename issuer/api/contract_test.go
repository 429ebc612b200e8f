package api

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/honnin/honnin/edge/contract"
)

// TestStartResponseMatchesTheEdge: the issuer's start answer decodes, field
// for field and with no field left over, into what the edge reads
// (edge/contract), so a frictionless av or a deny reason cannot be lost to
// a renamed tag. It goes when startResponse is contract.StartResponse.
func TestStartResponseMatchesTheEdge(t *testing.T) {
	for _, in := range []startResponse{
		{Decision: "frictionless", Status: "Y", AV: "av"},
		{Decision: "deny", Status: "R", Reason: "suspected_fraud"},
		{Decision: "challenge", ChallengeToken: "tok", Delivery: "sent"},
	} {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var out contract.StartResponse
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&out); err != nil {
			t.Fatalf("edge cannot read %s: %v", b, err)
		}
		want := contract.StartResponse{Decision: in.Decision, ChallengeToken: in.ChallengeToken, Delivery: in.Delivery,
			Status: in.Status, Reason: in.Reason, AV: in.AV}
		if out != want {
			t.Errorf("edge read %+v from %s, want %+v", out, b, want)
		}
	}
}
