package threeds

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/emv3ds"
	"github.com/honnin/honnin/edge/money"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/safetext"
	"github.com/honnin/honnin/issuer/store"
)

// AReqPath is where the DS posts AReqs.
const AReqPath = "/3ds/v2/areq"

// Config is what the door needs. ACS, EdgeURL and ReferenceNumber are
// required.
type Config struct {
	ACS *acs.Service
	// EdgeURL is the edge's base URL: the acsURL (EdgeURL/3ds/v2/creq) is
	// there.
	EdgeURL string
	// ReferenceNumber is the acsReferenceNumber EMVCo assigns at the ACS's
	// approval (≤32); OperatorID the acsOperatorID the DS assigns ("" for
	// none).
	ReferenceNumber string
	OperatorID      string
	Log             *slog.Logger
}

// Door serves the DS's AReqs.
type Door struct {
	acs     *acs.Service
	acsURL  string
	ref     string
	op      string
	log     *slog.Logger
	handler http.Handler
}

// New checks cfg and returns the door.
func New(cfg Config) (*Door, error) {
	switch {
	case cfg.ACS == nil:
		return nil, errors.New("threeds: no ACS")
	case cfg.EdgeURL == "":
		return nil, errors.New("threeds: no edge URL")
	case cfg.ReferenceNumber == "" || len(cfg.ReferenceNumber) > 32 || len(cfg.OperatorID) > 32:
		return nil, errors.New("threeds: the ACS reference number is required, and it and the operator ID are at most 32 characters")
	}
	d := &Door{acs: cfg.ACS, acsURL: strings.TrimRight(cfg.EdgeURL, "/") + "/3ds/v2/creq",
		ref: cfg.ReferenceNumber, op: cfg.OperatorID, log: cfg.Log}
	if d.log == nil {
		d.log = slog.Default()
	}
	mux := http.NewServeMux()
	mux.HandleFunc(AReqPath, d.areq)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not found", http.StatusNotFound)
	})
	d.handler = mux
	return d, nil
}

// ServeHTTP serves the DS listener.
func (d *Door) ServeHTTP(w http.ResponseWriter, r *http.Request) { d.handler.ServeHTTP(w, r) }

// areq answers one AReq with its ARes, or with an Erro when the message is
// not one the ACS can answer. Both are HTTP 200: the EMV status is in the
// body, as DSs expect; only a request that is not an AReq POST at all gets
// an HTTP error.
func (d *Door) areq(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST an AReq", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, emv3ds.MaxAReqBody))
	if err != nil {
		d.write(w, emv3ds.Refuse(emv3ds.TypeAReq, emv3ds.V220, emv3ds.ErrInvalidMessage, fmt.Sprintf("the body is larger than %d bytes or unreadable", emv3ds.MaxAReqBody)))
		return
	}
	q, e := emv3ds.ParseAReq(body)
	if e != nil {
		d.write(w, e)
		return
	}
	out, err := d.answer(r, &q)
	var ee *emv3ds.Erro
	switch {
	case errors.As(err, &ee):
		d.write(w, ee)
	case err != nil:
		d.log.LogAttrs(r.Context(), slog.LevelError, "threeds: AReq failed", slog.String("threeDSServerTransID", q.ThreeDSServerTransID), slog.Any("err", err))
		e := emv3ds.Refuse(emv3ds.TypeAReq, q.MessageVersion, emv3ds.ErrTransient, "the ACS could not answer now; send the AReq again")
		e.ThreeDSServerTransID, e.DSTransID = q.ThreeDSServerTransID, q.DSTransID
		d.write(w, e)
	default:
		d.write(w, out)
	}
}

// answer runs the use case for AReq q and builds its ARes.
func (d *Door) answer(r *http.Request, q *emv3ds.AReq) (*emv3ds.ARes, error) {
	fail := func(code, detail string) error {
		e := emv3ds.Refuse(emv3ds.TypeAReq, q.MessageVersion, code, detail)
		e.ThreeDSServerTransID, e.DSTransID = q.ThreeDSServerTransID, q.DSTransID
		return e
	}
	res := &emv3ds.ARes{MessageType: emv3ds.TypeARes, MessageVersion: q.MessageVersion,
		ThreeDSServerTransID: q.ThreeDSServerTransID, DSTransID: q.DSTransID, ACSReferenceNumber: d.ref,
		ACSOperatorID: d.op, DSReferenceNumber: q.DSReferenceNumber}
	num, err := pan.Parse(q.AcctNumber)
	if err != nil {
		// Digits of the right length (the parser checked) that fail the
		// check digit: not a card number of any issuer.
		res.ACSTransID, res.TransStatus, res.TransStatusReason, res.ECI = emv3ds.NewTransID(), emv3ds.StatusN, emv3ds.ReasonInvalidCard, emv3ds.ECINotAuthenticated
		return res, nil
	}
	dir := acs.Directed{
		Number: num, MerchantName: safetext.Clean(q.MerchantName, issuer.MaxDisplayName), RequestorURL: q.ThreeDSRequestorURL,
		Browser: q.Browser(), ChallengeMandated: q.ThreeDSRequestorChallengeInd == "04",
		MethodDone: q.ThreeDSCompInd == "Y", MethodIncomplete: q.ThreeDSCompInd == "N", Signals: browserSignals(q),
		EMV: store.EMVTransaction{ServerTransID: q.ThreeDSServerTransID, DSTransID: q.DSTransID, DSReferenceNumber: q.DSReferenceNumber,
			MessageVersion: q.MessageVersion, MessageCategory: q.MessageCategory, DeviceChannel: q.DeviceChannel, NotificationURL: q.NotificationURL},
	}
	if dir.MerchantName == "" {
		dir.MerchantName = q.ThreeDSRequestorName
	}
	if q.PurchaseAmount != "" || q.Payment() {
		cur, ok := money.ByNumeric(q.PurchaseCurrency)
		if !ok {
			return nil, fail(emv3ds.ErrISOCode, "purchaseCurrency "+q.PurchaseCurrency+" is not a currency this ACS knows")
		}
		amt, err := amount(q.PurchaseAmount, q.PurchaseExponent, cur)
		if err != nil {
			return nil, fail(emv3ds.ErrTransactionData, err.Error())
		}
		dir.Amount, dir.Currency = amt, cur
	}
	// A non-payment authentication without an amount (a card added to a
	// wallet, an account checked) has no purchase: amount 0, no currency
	// (money.NoPurchase), shown as "no payment (card check)".
	ans, err := d.acs.Direct(r.Context(), dir)
	if err != nil {
		return nil, err
	}
	res.ACSTransID = ans.ACSTransID
	res.TransStatus = ans.Status
	ja := strings.HasPrefix(strings.ToLower(q.BrowserLanguage), "ja")
	switch ans.Status {
	case contract.StatusAuthenticated, contract.StatusAttempted:
		res.AuthenticationValue, res.ECI = ans.AV, eci(ans.Status)
	case contract.StatusChallenge:
		res.ACSChallengeMandated = "N"
		res.AuthenticationType, res.AuthenticationMethod = authentication(q.MessageVersion, ans.Method)
		res.ACSURL = d.acsURL
	default:
		res.TransStatusReason, res.ECI = statusReason(ans.Status, ans.Reason), eci(ans.Status)
		if info := cardholderInfo(ans.Status, ans.Reason, ja); info != "" {
			if q.MessageVersion == emv3ds.V231 {
				res.CardholderInfo = emv3ds.CardholderInfoObject{Text: info}
			} else {
				res.CardholderInfo = info
			}
		}
	}
	return res, nil
}

// amount converts an AReq's purchaseAmount (minor units at
// purchaseExponent) to minor units of cur at its own exponent, refusing
// one that would lose a digit.
func amount(v, exp, cur string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || n > money.MaxAmount {
		return 0, errors.New("purchaseAmount is not an amount between 1 and the largest honnin takes")
	}
	e, err := strconv.Atoi(exp)
	want, ok := money.Exponent(cur)
	if err != nil || !ok {
		return 0, errors.New("purchaseExponent is not a digit")
	}
	for ; e < want; e++ {
		n *= 10
	}
	for ; e > want; e-- {
		if n%10 != 0 {
			return 0, errors.New("purchaseAmount has more minor digits than " + cur + " has")
		}
		n /= 10
	}
	if n > money.MaxAmount {
		return 0, errors.New("purchaseAmount is larger than honnin takes")
	}
	return n, nil
}

// browserSignals are the AReq's browser fields as the device signals the
// challenge client would have sent: what the risk engine reads when no
// 3DS Method data came. A field out of the signals' limits is dropped,
// not the AReq.
func browserSignals(q *emv3ds.AReq) acs.Signals {
	var sig acs.Signals
	d := &sig.Device
	d.UA = q.BrowserUserAgent
	if q.BrowserLanguage != "" {
		d.Languages = append(d.Languages, q.BrowserLanguage)
	}
	for _, l := range q.AcceptLanguage {
		if len(d.Languages) < 10 {
			d.Languages = append(d.Languages, l)
		}
	}
	// browserTZ is UTC minus local time in minutes, as
	// Date.getTimezoneOffset() says it (-540 in Japan).
	d.TZOffset, _ = strconv.Atoi(q.BrowserTZ)
	d.ScreenW, _ = strconv.Atoi(q.BrowserScreenWidth)
	d.ScreenH, _ = strconv.Atoi(q.BrowserScreenHeight)
	d.ColorDepth, _ = strconv.Atoi(q.BrowserColorDepth)
	if d.Validate() != nil {
		sig.Device = contract.DeviceSignals{}
	}
	sig.Edge.IP = q.BrowserIP
	if sig.Edge.Validate() != nil {
		sig.Edge = contract.EdgeSignals{}
	}
	return sig
}

// write sends an ARes or Erro as the HTTP 200 answer.
func (d *Door) write(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
