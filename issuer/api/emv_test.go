package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/emv3ds"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/store"
)

// directed answers a browser AReq for card through the use case the DS
// door calls, and returns the transaction.
func (h *harness) directed(card string) (acs.Answer, store.EMVTransaction) {
	h.t.Helper()
	return h.directedPurchase(card, 1250, "JPY")
}

// directedPurchase is directed for amount of currency (0 and "": a
// non-payment authentication).
func (h *harness) directedPurchase(card string, amount int64, currency string) (acs.Answer, store.EMVTransaction) {
	h.t.Helper()
	core, err := acs.New(h.cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	n, err := pan.Parse(card)
	if err != nil {
		h.t.Fatal(err)
	}
	t := store.EMVTransaction{ServerTransID: emv3ds.NewTransID(), DSTransID: emv3ds.NewTransID(), MessageVersion: "2.2.0",
		MessageCategory: "01", DeviceChannel: "02", NotificationURL: "https://requestor.example/notify?o=1"}
	ans, err := core.Direct(context.Background(), acs.Directed{Number: n, Amount: amount, Currency: currency, MerchantName: "Sakura Shop",
		RequestorURL: "https://requestor.example/", Browser: true, EMV: t})
	if err != nil || ans.Status != contract.StatusChallenge {
		h.t.Fatalf("Direct: %+v, %v", ans, err)
	}
	t.ACSTransID = ans.ACSTransID
	return ans, t
}

func TestEMVChallengeCall(t *testing.T) {
	h := newHarness(t)
	_, tx := h.directed(cardJA)
	path := "/internal/v1/emv/challenges/" + tx.ACSTransID
	body := contract.EMVChallengeRequest{ThreeDSServerTransID: tx.ServerTransID, MessageVersion: "2.2.0", ChallengeWindowSize: "02"}

	for _, c := range []struct {
		name  string
		token string
		body  any
		code  int
	}{
		{"no token", "", body, http.StatusUnauthorized},
		{"token for another transaction", h.edgeToken("other"), body, http.StatusUnauthorized},
		{"window out of the list", h.edgeToken(tx.ACSTransID), contract.EMVChallengeRequest{ThreeDSServerTransID: tx.ServerTransID,
			MessageVersion: "2.2.0", ChallengeWindowSize: "06"}, http.StatusBadRequest},
		{"ids missing", h.edgeToken(tx.ACSTransID), map[string]any{"challengeWindowSize": "01"}, http.StatusBadRequest},
	} {
		t.Run(c.name, func(t *testing.T) {
			if rec := h.do("POST", path, c.token, c.body); rec.Code != c.code {
				t.Errorf("%d %s, want %d", rec.Code, rec.Body, c.code)
			}
		})
	}
	unknown := emv3ds.NewTransID()
	if rec := h.do("POST", "/internal/v1/emv/challenges/"+unknown, h.edgeToken(unknown), body); rec.Code != http.StatusNotFound {
		t.Errorf("unknown acsTransID: %d %s", rec.Code, rec.Body)
	}

	rec := h.do("POST", path, h.edgeToken(tx.ACSTransID), body)
	if rec.Code != http.StatusOK {
		t.Fatalf("CReq: %d %s", rec.Code, rec.Body)
	}
	got := decodeBody[contract.EMVChallengeResponse](t, rec)
	var claims challenge.SessionClaims
	if err := (challenge.Verifier{Keys: challenge.NewKeySet(h.issuer.Sign.Public()), Issuer: challenge.IssuerName,
		Audience: challenge.EdgeName, Now: h.clock.Now}).Verify(got.SessionToken, challenge.TypSession, &claims); err != nil {
		t.Fatalf("session token: %v", err)
	}
	if claims.EMV == nil || claims.EMV.ACSTransID != tx.ACSTransID || claims.EMV.NotificationURL != tx.NotificationURL ||
		claims.EMV.ChallengeWindowSize != "02" || claims.MerchantOrigin != "https://requestor.example" || got.Message != "" ||
		claims.Txn != nil || claims.Locale != "" { // an EMV session's page paints its skeleton

		t.Errorf("claims %+v EMV %+v, answer %+v", claims, claims.EMV, got)
	}
	// The start that follows is an ordinary start: the decision is made.
	if st := h.start(claims.Subject); st.Decision != contract.DecisionChallenge || st.ChallengeToken == "" {
		t.Errorf("start after the CReq: %+v", st)
	}

	// A CReq of another version, and one more than 30 s after the ARes,
	// end in an Erro for the requestor's page.
	_, late := h.directed(cardEN)
	h.clock.Add(31 * time.Second)
	for _, c := range []struct {
		name string
		tx   store.EMVTransaction
		v    string
		code string
	}{
		{"other version", tx, "2.1.0", emv3ds.ErrVersion},
		{"too late", late, "2.2.0", emv3ds.ErrTimedOut},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := h.do("POST", "/internal/v1/emv/challenges/"+c.tx.ACSTransID, h.edgeToken(c.tx.ACSTransID),
				contract.EMVChallengeRequest{ThreeDSServerTransID: c.tx.ServerTransID, MessageVersion: c.v, ChallengeWindowSize: "01"})
			got := decodeBody[contract.EMVChallengeResponse](t, rec)
			if rec.Code != http.StatusOK || got.SessionToken != "" || got.NotificationURL != c.tx.NotificationURL {
				t.Fatalf("%d %+v", rec.Code, got)
			}
			raw, err := emv3ds.DecodeBase64URL(got.Message)
			if err != nil {
				t.Fatal(err)
			}
			var e emv3ds.Erro
			if err := json.Unmarshal(raw, &e); err != nil || e.MessageType != "Erro" || e.ErrorCode != c.code ||
				e.ErrorComponent != "A" || e.ACSTransID != c.tx.ACSTransID || e.ErrorMessageType != "CReq" {
				t.Errorf("message %s, want Erro %s", raw, c.code)
			}
		})
	}
}

func TestEMVMethodCall(t *testing.T) {
	h := newHarness(t)
	sti := emv3ds.NewTransID()
	path := "/internal/v1/emv/methods/" + sti
	good := contract.EMVMethodRequest{Device: &contract.DeviceSignals{DeviceID: "dev-1", Timezone: "Asia/Tokyo"},
		Edge: &contract.EdgeSignals{IP: "192.0.2.1", Country: "JP"}}
	if rec := h.do("POST", path, h.edgeToken("other"), good); rec.Code != http.StatusUnauthorized {
		t.Errorf("token for another id: %d", rec.Code)
	}
	bad := contract.EMVMethodRequest{Device: &contract.DeviceSignals{Languages: make([]string, 100)}}
	if rec := h.do("POST", path, h.edgeToken(sti), bad); rec.Code != http.StatusBadRequest {
		t.Errorf("signals out of limits: %d %s", rec.Code, rec.Body)
	}
	if rec := h.do("POST", path, h.edgeToken(sti), good); rec.Code != http.StatusNoContent {
		t.Fatalf("method data: %d %s", rec.Code, rec.Body)
	}
	dev, edge, err := h.store.EMVMethod(context.Background(), sti, t0.Add(-time.Hour))
	if err != nil || dev != `{"timezone":"Asia/Tokyo","device_id":"dev-1"}` || edge != `{"ip":"192.0.2.1","country":"JP"}` {
		t.Errorf("stored %s %s, %v", dev, edge, err)
	}
	// The first one stays.
	other := contract.EMVMethodRequest{Device: &contract.DeviceSignals{DeviceID: "dev-2"}}
	if rec := h.do("POST", path, h.edgeToken(sti), other); rec.Code != http.StatusNoContent {
		t.Fatalf("second method data: %d", rec.Code)
	}
	if dev2, _, _ := h.store.EMVMethod(context.Background(), sti, t0.Add(-time.Hour)); dev2 != dev {
		t.Errorf("second post replaced the first: %s", dev2)
	}
}

// TestCReqAnswer: what the requestor's page is sent for each CReq the
// challenge cannot follow.
func TestCReqAnswer(t *testing.T) {
	tx := store.EMVTransaction{ACSTransID: emv3ds.NewTransID(), ServerTransID: emv3ds.NewTransID(), MessageVersion: "2.3.1"}
	for _, c := range []struct {
		problem, status string
		want            string // CRes transStatus, or Erro code
	}{
		{acs.CReqFinal, contract.StatusAuthenticated, "CRes Y"},
		{acs.CReqFinal, contract.StatusNotAuthenticated, "CRes N"},
		{acs.CReqFinal, contract.StatusRejected, "CRes N"},
		{acs.CReqTooLate, contract.StatusNotAuthenticated, "Erro 402"},
		{acs.CReqVersionMismatch, contract.StatusChallenge, "Erro 102"},
		{acs.CReqMismatch, contract.StatusChallenge, "Erro 301"},
		{acs.CReqNoChallenge, contract.StatusAuthenticated, "Erro 301"},
	} {
		o := acs.Opened{Problem: c.problem, Txn: tx}
		o.Authentication.Status = c.status
		msg, err := creqAnswer(o)
		if err != nil {
			t.Fatalf("%s: %v", c.problem, err)
		}
		raw, err := emv3ds.DecodeBase64URL(msg)
		if err != nil || strings.HasSuffix(msg, "=") {
			t.Fatalf("%s: %q is not unpadded base64url: %v", c.problem, msg, err)
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		got := m["messageType"] + " " + m["transStatus"] + m["errorCode"]
		if got != c.want || m["messageVersion"] != "2.3.1" || m["acsTransID"] != tx.ACSTransID || m["threeDSServerTransID"] != tx.ServerTransID {
			t.Errorf("%s with %s: %s, want %s", c.problem, c.status, raw, c.want)
		}
		if m["messageType"] == "CRes" && m["challengeCompletionInd"] != "Y" {
			t.Errorf("%s: CRes without challengeCompletionInd Y: %s", c.problem, raw)
		}
	}
	if _, err := creqAnswer(acs.Opened{Problem: "other"}); err == nil {
		t.Error("an unknown problem got an answer")
	}
}

// TestEMVNoPurchase: a non-payment authentication (no amount) opens a
// challenge like a purchase, and the code mail says there is nothing to
// pay.
func TestEMVNoPurchase(t *testing.T) {
	h := newHarness(t)
	_, tx := h.directedPurchase(cardJA, 0, "")
	rec := h.do("POST", "/internal/v1/emv/challenges/"+tx.ACSTransID, h.edgeToken(tx.ACSTransID),
		contract.EMVChallengeRequest{ThreeDSServerTransID: tx.ServerTransID, MessageVersion: "2.2.0", ChallengeWindowSize: "01"})
	got := decodeBody[contract.EMVChallengeResponse](t, rec)
	if rec.Code != http.StatusOK || got.SessionToken == "" {
		t.Fatalf("CReq: %d %+v", rec.Code, got)
	}
	var claims challenge.SessionClaims
	if err := (challenge.Verifier{Keys: challenge.NewKeySet(h.issuer.Sign.Public()), Issuer: challenge.IssuerName,
		Audience: challenge.EdgeName, Now: h.clock.Now}).Verify(got.SessionToken, challenge.TypSession, &claims); err != nil {
		t.Fatal(err)
	}
	st := h.start(claims.Subject)
	if st.Decision != contract.DecisionChallenge || st.Delivery != contract.DeliverySent {
		t.Fatalf("start: %+v", st)
	}
	if o := h.openChallenge(st.ChallengeToken); o.claims.Txn.Amount != 0 || o.claims.Txn.Currency != "" {
		t.Errorf("challenge's purchase %+v, want none", o.claims.Txn)
	}
	if m := h.mails(emailJA); len(m) == 0 || !strings.Contains(m[0].Text, "お支払いなし（カードの確認）") {
		t.Errorf("code mail does not say there is nothing to pay: %+v", m)
	}
}
