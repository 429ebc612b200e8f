package api

import (
	"net/http"
	"testing"

	"github.com/honnin/honnin/issuer/store"
)

// TestCreateCardRanges: with no range configured every card is served as
// before; with ranges, a card in none is U card_range, a card in a range
// marked not eligible is N not_eligible even when enrolled, and the most
// specific range decides.
func TestCreateCardRanges(t *testing.T) {
	tests := []struct {
		name   string
		ranges []store.Range
		card   string
		status string
		reason string
	}{
		{"no ranges, enrolled", nil, cardJA, "C", ""},
		{"no ranges, unknown", nil, cardUnknown, "N", "not_enrolled"},
		{"in range, enrolled", []store.Range{{Start: "354012", End: "354012", Eligible: true}}, cardJA, "C", ""},
		{"in range, not enrolled", []store.Range{{Start: "354012", End: "354012", Eligible: true}}, "3540129999999996", "N", "not_enrolled"},
		{"outside every range", []store.Range{{Start: "354012", End: "354012", Eligible: true}}, cardUnknown, "U", "card_range"},
		{"outside, enrolled", []store.Range{{Start: "354013", End: "354099", Eligible: true}}, cardJA, "U", "card_range"},
		{"not eligible, enrolled", []store.Range{{Start: "354012", End: "354012", Eligible: false}}, cardJA, "N", "not_eligible"},
		{"longer prefix wins", []store.Range{
			{Start: "354000", End: "354999", Eligible: true},
			{Start: "35401234567", End: "35401234567", Eligible: false},
		}, cardJA, "N", "not_eligible"},
		{"longer eligible prefix inside a not-eligible range", []store.Range{
			{Start: "354000", End: "354999", Eligible: false},
			{Start: "3540123", End: "3540123", Eligible: true},
		}, cardEN, "C", ""},
		{"wide span", []store.Range{{Start: "352800", End: "358999", Eligible: true}}, cardEN, "C", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			for _, r := range tt.ranges {
				r.CreatedAt = t0
				if _, err := h.store.AddRange(t.Context(), r); err != nil {
					t.Fatal(err)
				}
			}
			body := validCreate()
			body["card_number"] = tt.card
			rec := h.do("POST", "/v1/authentications", testAPIKey, body)
			got := decodeBody[createResponse](t, rec)
			wantCode := http.StatusOK
			if tt.status == "C" {
				wantCode = http.StatusCreated
			}
			if rec.Code != wantCode || got.Status != tt.status || got.Reason != tt.reason {
				t.Fatalf("%d %+v; want %d %s %s", rec.Code, got, wantCode, tt.status, tt.reason)
			}
			if tt.status != "C" && got.SessionToken != "" {
				t.Error("an answered card got a session token")
			}
			a, err := h.store.Authentication(t.Context(), got.ID)
			if err != nil || a.Status != tt.status || a.Reason != tt.reason {
				t.Errorf("stored %+v %v", a, err)
			}
		})
	}
}
