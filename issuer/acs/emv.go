package acs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/emv3ds"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/store"
)

// The timers of an EMV 3-D Secure browser challenge (the EMV 3DS note, §5
// "Timeouts"): the first CReq must reach the ACS within CReqWindow of the
// ARes; a challenge opened by it lives as long as its session, and
// ChallengeGrace beyond every token it can have before the issuer ends it.
const (
	CReqWindow     = 30 * time.Second
	ChallengeGrace = time.Minute
	// MethodDataAge is how long the 3DS Method's data waits for its AReq:
	// the method runs right before the AReq, so minutes are plenty.
	MethodDataAge = time.Hour
)

// challengeTimeout is how long after its first CReq an EMV challenge is
// ended by the issuer if nothing ended it before: past the session token
// and every code's lifetime, so the edge cannot accept a code after it.
var challengeTimeout = limits.SessionLifetime + purchase.Lifetime + ChallengeGrace

// directoryMerchant is the merchant account every DS-routed
// authentication is stored under: the DS, not a merchant of the issuer's,
// is the caller. Its key hash is all zeros, which no API key hashes to,
// so nobody can call the merchant API as it.
const directoryMerchant = "emv3ds-directory-server"

// Directed is a purchase a card scheme's Directory Server routed to the
// issuer (an EMV 3-D Secure AReq), in the use case's terms; the door has
// checked every field's form.
type Directed struct {
	Number   pan.Number
	Amount   int64 // minor units of Currency
	Currency string
	// MerchantName is the AReq's merchantName: the scheme's record of the
	// merchant, shown to the cardholder as it came (cleaned).
	MerchantName string
	// RequestorURL is the AReq's threeDSRequestorURL; its origin is
	// stored as a 3RI authentication's merchant origin (a browser one's is
	// the notificationURL's).
	RequestorURL string
	// Browser is device channel 02; otherwise 3RI (03), where no
	// cardholder is present, so it is never challenged.
	Browser bool
	// ChallengeMandated: the requestor must have a challenge (its
	// threeDSRequestorChallengeInd 04): frictionless becomes a challenge.
	ChallengeMandated bool
	// Signals are the AReq's browser fields, as the iframe would have
	// sent them; replaced by the 3DS Method's data when MethodDone and
	// the method posted some for EMV.ServerTransID.
	Signals    Signals
	MethodDone bool
	// MethodIncomplete is threeDSCompInd N: the requestor ran the 3DS
	// Method and it did not complete in time, a risk fact
	// (device_data_missing). U (no method URL for the range) says nothing.
	MethodIncomplete bool
	// EMV is the transaction's EMV part; ACSTransID, AuthenticationID,
	// AResStatus and AResAt are set by Direct.
	EMV store.EMVTransaction
}

// Answer is the ARes's content in the issuer's terms.
type Answer struct {
	ACSTransID     string
	Authentication issuer.Authentication
	// Status is Y (frictionless), A (attempts), C (challenge), N, U or R;
	// Reason is the contract's reason for N, U and R.
	Status string
	Reason string
	// AV is the authentication value on Y and A.
	AV string
	// Method is the cardholder's method, on C.
	Method issuer.Method
	// MethodData: the risk decision used the 3DS Method's data.
	MethodData bool
}

// Direct answers a DS-routed purchase: the same card state and risk engine
// as the merchant API (ranges, enrolment, stopped service, locked
// credentials), decided at once since the ARes must carry the outcome.
func (s *Service) Direct(ctx context.Context, d Directed) (Answer, error) {
	m, err := s.directoryMerchant(ctx)
	if err != nil {
		return Answer{}, err
	}
	now := s.now()
	a := issuer.Authentication{
		MerchantID: m.ID, OrderRef: d.EMV.ServerTransID, Amount: d.Amount, Currency: d.Currency,
		MerchantName: d.MerchantName, MerchantOrigin: originOf(d.RequestorURL), CreatedAt: now,
	}
	if d.Browser {
		// The challenge's page posts its end to the notificationURL, and
		// the edge holds every token of the challenge to one origin.
		a.MerchantOrigin = originOf(d.EMV.NotificationURL)
	}
	c, err := s.cardState(ctx, d.Number, &a)
	if err != nil {
		return Answer{}, err
	}
	if a.Reason == ReasonNotEnrolled && s.attempts {
		a.Status, a.Reason = contract.StatusAttempted, ""
	}
	a, err = s.store.CreateAuthentication(ctx, a)
	if err != nil {
		return Answer{}, err
	}
	ans := Answer{ACSTransID: emv3ds.NewTransID(), Authentication: a, Status: a.Status, Reason: a.Reason}
	switch a.Status {
	case contract.StatusAttempted:
		// Proof that the issuer was asked and the card is not enrolled:
		// the same computed value as a Y's, with result A and no method.
		if ans.AV, _, err = s.mintAV(s.pan.Sum(d.Number), d.Amount, d.Currency, contract.StatusAttempted, "", now); err != nil {
			return Answer{}, err
		}
	case contract.StatusChallenge:
		if err := s.directDecision(ctx, &ans, c, d, now); err != nil {
			return Answer{}, err
		}
	}
	t := d.EMV
	t.ACSTransID, t.AuthenticationID, t.AResStatus, t.AResAt = ans.ACSTransID, a.ID, ans.Status, now
	if err := s.store.CreateEMVTransaction(ctx, t); err != nil {
		return Answer{}, err
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "acs: EMV 3DS authentication", slog.String("authentication", a.ID),
		slog.String("acs_trans_id", t.ACSTransID), slog.String("version", t.MessageVersion),
		slog.String("channel", t.DeviceChannel), slog.String("status", ans.Status), slog.String("reason", ans.Reason),
		slog.Bool("method_data", ans.MethodData))
	return ans, nil
}

// directDecision runs the risk decision of a DS-routed authentication of
// enrolled cardholder c and sets ans from it.
func (s *Service) directDecision(ctx context.Context, ans *Answer, c issuer.Cardholder, d Directed, now time.Time) error {
	sig := d.Signals
	if d.MethodIncomplete {
		sig.MethodIncomplete = true
	}
	if d.MethodDone {
		if m, ok := s.methodData(ctx, d.EMV.ServerTransID, now); ok {
			sig, ans.MethodData = m, true
		}
	}
	impl, err := s.method(c.PreferredMethod)
	if err != nil {
		return err
	}
	creds, err := impl.credentials(ctx, c, now)
	if err != nil {
		return err
	}
	if len(creds) == 0 {
		c.OTPLocked = true // nothing to challenge with: the engine denies
	}
	opt := decideOptions{mustChallenge: d.ChallengeMandated, noChallenge: !d.Browser}
	out, err := s.decide(ctx, ans.Authentication, c, sig, now, opt)
	if err != nil {
		return err
	}
	ans.Status, ans.Reason, ans.AV = out.Status, out.Reason, out.AV
	if out.Decision == contract.DecisionChallenge {
		ans.Status, ans.Method = contract.StatusChallenge, c.PreferredMethod
	}
	return nil
}

// methodData returns the signals the 3DS Method collected for
// serverTransID, if any arrived in the last MethodDataAge.
func (s *Service) methodData(ctx context.Context, serverTransID string, now time.Time) (Signals, bool) {
	dev, edge, err := s.store.EMVMethod(ctx, serverTransID, now.Add(-MethodDataAge))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.LogAttrs(ctx, slog.LevelWarn, "acs: 3DS Method data unreadable; deciding on the AReq's fields",
				slog.String("server_trans_id", serverTransID), slog.Any("err", err))
		}
		return Signals{}, false
	}
	var sig Signals
	if json.Unmarshal([]byte(dev), &sig.Device) != nil || json.Unmarshal([]byte(edge), &sig.Edge) != nil {
		return Signals{}, false
	}
	return sig, true
}

// RecordEMVMethod keeps the device data the 3DS Method page collected for
// serverTransID, for the AReq that follows. The first one wins.
func (s *Service) RecordEMVMethod(ctx context.Context, serverTransID string, sig Signals) error {
	if err := sig.Device.Validate(); err != nil {
		return refuse(Invalid, "bad_request", "device: %v", err)
	}
	if err := sig.Edge.Validate(); err != nil {
		return refuse(Invalid, "bad_request", "edge: %v", err)
	}
	dev, _ := json.Marshal(sig.Device)
	edge, _ := json.Marshal(sig.Edge)
	return s.store.SaveEMVMethod(ctx, serverTransID, string(dev), string(edge), s.now())
}

// CReq is what the browser's CReq says, as the edge read it.
type CReq struct {
	ACSTransID     string
	ServerTransID  string
	MessageVersion string
	WindowSize     string
}

// Why a CReq cannot open the challenge; the door says so to the
// requestor's page with an Erro.
const (
	CReqTooLate         = "too_late"         // after CReqWindow, or a timer ended it (Erro 402)
	CReqMismatch        = "mismatch"         // threeDSServerTransID is not the AReq's (Erro 301)
	CReqVersionMismatch = "version_mismatch" // messageVersion is not the ARes's (Erro 102)
	CReqNoChallenge     = "no_challenge"     // the ARes was not C (Erro 301)
	CReqFinal           = "final"            // the challenge has its outcome (the final CRes again)
)

// Opened is a CReq's outcome: a session token for the challenge, or the
// reason it cannot go on (Problem), with the transaction to answer it.
type Opened struct {
	SessionToken   string
	Problem        string
	Txn            store.EMVTransaction
	Authentication issuer.Authentication
}

// OpenEMVChallenge opens the browser challenge of a CReq: the first one
// within CReqWindow of the ARes, and any later one (the frame reloaded)
// while the challenge is in progress, give a session token that the
// challenge client opens exactly as a merchant page's.
func (s *Service) OpenEMVChallenge(ctx context.Context, q CReq) (Opened, error) {
	now := s.now()
	t, a, err := s.store.EMVTransactionByID(ctx, q.ACSTransID)
	if errors.Is(err, store.ErrNotFound) {
		return Opened{}, errNotFound
	}
	if err != nil {
		return Opened{}, err
	}
	o := Opened{Txn: t, Authentication: a}
	switch {
	case t.AResStatus != contract.StatusChallenge:
		o.Problem = CReqNoChallenge
	case q.ServerTransID != t.ServerTransID:
		o.Problem = CReqMismatch
	case q.MessageVersion != t.MessageVersion:
		o.Problem = CReqVersionMismatch
	case a.Final() && t.ChallengeCancel != "":
		o.Problem = CReqTooLate
	case a.Final():
		o.Problem = CReqFinal
	}
	if o.Problem != "" {
		return o, nil
	}
	t, err = s.store.OpenEMVChallenge(ctx, q.ACSTransID, q.WindowSize, now, now.Add(-CReqWindow))
	switch {
	case errors.Is(err, store.ErrTooLate):
		o.Problem = CReqTooLate
		return o, nil
	case err != nil:
		return Opened{}, err
	}
	o.Txn = t
	token, err := s.sessionToken(a, nil, "", &challenge.EMVSession{
		NotificationURL: t.NotificationURL, ThreeDSServerTransID: t.ServerTransID, ACSTransID: t.ACSTransID,
		MessageVersion: t.MessageVersion, ChallengeWindowSize: t.WindowSize,
	}, now)
	if err != nil {
		return Opened{}, err
	}
	o.SessionToken = token
	return o, nil
}

// ExpireEMV runs the EMV timers once: challenges that got no CReq within
// CReqWindow, and those still open challengeTimeout after it, end N
// timed_out (the RReq then says challengeCancel 05 or 04).
func (s *Service) ExpireEMV(ctx context.Context) (int, error) {
	now := s.now()
	return s.store.ExpireEMV(ctx, now, now.Add(-CReqWindow), now.Add(-challengeTimeout), now.Add(-MethodDataAge))
}

// DirectoryServer is the DS as the results use case needs it: how an
// outcome is written as an RReq, and how one is sent (its answer's
// resultsStatus, or an error to retry).
type DirectoryServer interface {
	RReq(store.EMVOutcome) (string, error)
	SendRReq(ctx context.Context, t store.EMVTransaction) (resultsStatus string, err error)
}

// RReq delivery: a claim lasts rreqLease; a failed one is tried again
// after rreqBackoff(attempts).
const rreqLease = 30 * time.Second

func rreqBackoff(attempts int) time.Duration {
	d := time.Second << min(attempts, 9)
	return min(d, 5*time.Minute)
}

// DeliverResults tells the DS the outcome of every challenge that has one:
// it writes the RReq of each newly final challenge (once: the first write
// is kept) and sends every RReq that is due, each claimed so that no other
// replica sends it at the same time. A send that fails is tried again with
// backoff, for as long as it takes; one answered is never sent again. It
// returns how many were delivered.
func (s *Service) DeliverResults(ctx context.Context, ds DirectoryServer) (int, error) {
	now := s.now()
	outs, err := s.store.EMVOutcomes(ctx, 64)
	if err != nil {
		return 0, err
	}
	for _, o := range outs {
		rreq, err := ds.RReq(o)
		if err != nil {
			s.log.LogAttrs(ctx, slog.LevelError, "acs: RReq not written", slog.String("acs_trans_id", o.ACSTransID), slog.Any("err", err))
			continue
		}
		if err := s.store.QueueRReq(ctx, o.ACSTransID, rreq, now); err != nil {
			return 0, err
		}
	}
	due, err := s.store.ClaimRReqs(ctx, now, rreqLease, 16)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, t := range due {
		rs, err := ds.SendRReq(ctx, t)
		if err != nil {
			next := s.now().Add(rreqBackoff(t.RReqAttempts))
			s.log.LogAttrs(ctx, slog.LevelWarn, "acs: RReq not delivered; will retry", slog.String("acs_trans_id", t.ACSTransID),
				slog.Int("attempts", t.RReqAttempts+1), slog.Time("next", next), slog.Any("err", err))
			if err := s.store.RReqFailed(ctx, t.ACSTransID, err.Error(), next); err != nil {
				return sent, err
			}
			continue
		}
		if err := s.store.RReqDelivered(ctx, t.ACSTransID, rs, s.now()); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// directoryMerchant returns the merchant account of DS-routed
// authentications, creating it the first time.
func (s *Service) directoryMerchant(ctx context.Context) (issuer.Merchant, error) {
	s.dsMerchantOnce.Lock()
	defer s.dsMerchantOnce.Unlock()
	if s.dsMerchant.ID != 0 {
		return s.dsMerchant, nil
	}
	m, err := s.store.EnsureMerchant(ctx, issuer.Merchant{
		Name: directoryMerchant, DisplayName: "EMV 3-D Secure", APIKeyHash: make([]byte, 32), CreatedAt: s.now(),
	})
	if err != nil {
		return m, fmt.Errorf("acs: the directory server's merchant account: %w", err)
	}
	s.dsMerchant = m
	return m, nil
}

// originOf is u's scheme://host, or "" when u is not an absolute URL.
func originOf(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Host == "" {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

// ReasonNoCardholder ends a 3RI request the risk engine would have
// challenged: no cardholder is present to answer a challenge (N).
const ReasonNoCardholder = "cardholder_absent"
