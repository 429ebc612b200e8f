package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/sqlitedb"
	"github.com/honnin/honnin/issuer"
)

// HistoryQuery names what a risk decision asks of the past: the card, the
// device (as its keyed hash) and the IP of the authentication being decided,
// and the windows its rules look back over.
type HistoryQuery struct {
	AuthenticationID string
	CardholderID     int64
	DeviceHash       []byte // nil when the device has no signed id
	// IPNet is the address's network (risk.Network), "" when unknown.
	IPNet    string
	Currency string
	// MerchantID is the merchant that created the authentication; the watch
	// list is keyed by it, never by the name shown.
	MerchantID int64
	Now        time.Time
	// VelocitySince starts the window the velocity counts cover,
	// FailuresSince the one for failed authentications, TravelSince the one
	// for the previous location, UsualSince the one for the usual amount,
	// MerchantSince the one for the merchant's failures, ReportedSince the
	// one for the card's fraud reports.
	VelocitySince, FailuresSince, TravelSince, UsualSince time.Time
	MerchantSince, ReportedSince                          time.Time
	// CountCap is where the device, address and merchant counts stop
	// (risk.Config.CountCap; at least 1): a rule only needs to know its
	// limit is reached, and a busy NAT address or a large merchant has
	// thousands of rows in a window.
	CountCap int
}

// DeviceRecord is what a device looked like when it last succeeded for a
// card: its fingerprint (device.Fingerprint, JSON; "" for a row older than
// fingerprints), the country and network of its address.
type DeviceRecord struct {
	Fingerprint string
	Country     string
	ASN         int64
}

// knownDevicesLimit bounds the card's devices a fingerprint is compared
// with: the most recently successful ones.
const knownDevicesLimit = 20

// History is what the store knows of the card, device and IP before this
// authentication. Counts exclude the authentication being decided.
type History struct {
	// Device is the record of DeviceHash for this card, nil when the
	// device never succeeded for it.
	Device *DeviceRecord
	// Devices are the card's most recently successful devices with a
	// fingerprint (at most knownDevicesLimit), for recognising a browser
	// that has no known id.
	Devices []DeviceRecord
	// CardCount, DeviceCount and IPCount are the authentications decided
	// since VelocitySince for the card, the device and the address's
	// network.
	CardCount, DeviceCount, IPCount int
	// MerchantFailures are the merchant's authentications decided since
	// MerchantSince that ended N or R, all cards.
	MerchantFailures int
	// FraudReported: the card has a fraud report since ReportedSince.
	FraudReported bool
	// DenylistedDevice, DenylistedAddress, DenylistedMerchant: an
	// unexpired deny-list entry names the device, the network or the
	// merchant.
	DenylistedDevice, DenylistedAddress, DenylistedMerchant bool
	// Failures are the card's authentications that ended N or R since
	// FailuresSince.
	Failures int
	// PrevCountry and PrevAt are the IP country and time of the card's most
	// recent decided authentication with a known country since TravelSince.
	PrevCountry string
	PrevAt      time.Time
	// UsualMax is the largest successful amount in Currency since
	// UsualSince, over UsualCount successful authentications.
	UsualMax   int64
	UsualCount int
	// Watchlisted: the merchant is on the watch list.
	Watchlisted bool
}

// The capped counts of RiskHistory. Each is answered from its index alone
// (migration 0018 put id in the indexes, and the merchant's holds only
// failures): a count reads up to HistoryQuery.CountCap index entries and never
// the table. TestHotQueriesUseTheirIndexes holds them to it.
const (
	deviceCountSQL = `SELECT COUNT(*) FROM (SELECT 1 FROM authentications
		WHERE device_hash = ? AND decided_at >= ? AND id <> ? LIMIT ?) AS recent`
	addressCountSQL = `SELECT COUNT(*) FROM (SELECT 1 FROM authentications
		WHERE ip_net = ? AND ip_net <> '' AND decided_at >= ? AND id <> ? LIMIT ?) AS recent`
	merchantFailuresSQL = `SELECT COUNT(*) FROM (SELECT 1 FROM authentications
		WHERE merchant_id = ? AND decided_at >= ? AND status IN ('N', 'R') AND id <> ? LIMIT ?) AS recent`
)

// cardHistoryLimit bounds the card rows one decision reads.
const cardHistoryLimit = 200

// RiskHistory answers q with one indexed query per question; each touches
// only the rows of one card, device or IP inside its window.
func (s *Store) RiskHistory(ctx context.Context, q HistoryQuery) (History, error) {
	var h History
	wrap := func(what string, err error) error {
		return fmt.Errorf("store: risk history of %s: %s: %w", q.AuthenticationID, what, err)
	}
	if q.CountCap < 1 {
		return h, wrap("count cap", fmt.Errorf("%d < 1", q.CountCap))
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT device_hash, fingerprint, ip_country, asn FROM card_devices
		WHERE cardholder_id = ? AND (device_hash = ? OR fingerprint <> '')
		ORDER BY device_hash = ? DESC, last_success DESC LIMIT ?`),
		q.CardholderID, q.DeviceHash, q.DeviceHash, knownDevicesLimit+1)
	if err != nil {
		return h, wrap("known devices", err)
	}
	for rows.Next() {
		var hash []byte
		var r DeviceRecord
		if err := rows.Scan(&hash, &r.Fingerprint, &r.Country, &r.ASN); err != nil {
			rows.Close()
			return h, wrap("known devices", err)
		}
		if q.DeviceHash != nil && bytes.Equal(hash, q.DeviceHash) {
			h.Device = &r
		} else if r.Fingerprint != "" && len(h.Devices) < knownDevicesLimit {
			h.Devices = append(h.Devices, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return h, wrap("known devices", err)
	}
	// The counts and flags, one scalar subquery each, in one statement:
	// each statement on SQLite starts a read of its own, which re-reads
	// the pages any write since its connection's last read changed.
	var (
		cols  []string
		args  []any
		dests []any
	)
	ask := func(query string, dest any, a ...any) {
		cols, dests, args = append(cols, "("+query+")"), append(dests, dest), append(args, a...)
	}
	flagSQL := func(query string) string { return `SELECT CASE WHEN EXISTS (` + query + `) THEN 1 ELSE 0 END` }
	var fraud, watched, denyDevice, denyAddress, denyMerchant int
	if q.DeviceHash != nil {
		ask(deviceCountSQL, &h.DeviceCount, q.DeviceHash, ms(q.VelocitySince), q.AuthenticationID, q.CountCap)
		ask(flagSQL(`SELECT 1 FROM risk_denylist WHERE kind = 'device' AND value = ? AND expires_at > ?`),
			&denyDevice, hex.EncodeToString(q.DeviceHash), ms(q.Now))
	}
	if q.IPNet != "" {
		ask(addressCountSQL, &h.IPCount, q.IPNet, ms(q.VelocitySince), q.AuthenticationID, q.CountCap)
		ask(flagSQL(`SELECT 1 FROM risk_denylist WHERE kind = 'address' AND value = ? AND expires_at > ?`),
			&denyAddress, q.IPNet, ms(q.Now))
	}
	if q.MerchantID != 0 {
		if !q.MerchantSince.IsZero() {
			ask(merchantFailuresSQL, &h.MerchantFailures, q.MerchantID, ms(q.MerchantSince), q.AuthenticationID, q.CountCap)
		}
		ask(flagSQL(`SELECT 1 FROM risk_denylist WHERE kind = 'merchant' AND value = ? AND expires_at > ?`),
			&denyMerchant, strconv.FormatInt(q.MerchantID, 10), ms(q.Now))
		ask(flagSQL(`SELECT 1 FROM merchant_watchlist WHERE merchant_id = ?`), &watched, q.MerchantID)
	}
	if !q.ReportedSince.IsZero() {
		ask(flagSQL(`SELECT 1 FROM fraud_reports WHERE cardholder_id = ? AND reported_at >= ?`),
			&fraud, q.CardholderID, ms(q.ReportedSince))
	}
	if len(cols) > 0 {
		if err := s.db.QueryRowContext(ctx, s.q(`SELECT `+strings.Join(cols, ", ")), args...).Scan(dests...); err != nil {
			return h, wrap("counts", err)
		}
	}
	h.FraudReported, h.Watchlisted = fraud > 0, watched > 0
	h.DenylistedDevice, h.DenylistedAddress, h.DenylistedMerchant = denyDevice > 0, denyAddress > 0, denyMerchant > 0
	// The card's own history is small (a row per past authentication in
	// the longest window), so one pass over it answers four questions. It
	// reads at most cardHistoryLimit rows, newest first, so a card under
	// attack does not make its own decisions slow; the velocity and failure
	// counts saturate far below it.
	oldest := min(ms(q.VelocitySince), ms(q.FailuresSince), ms(q.TravelSince), ms(q.UsualSince))
	rows, err = s.db.QueryContext(ctx, s.q(`SELECT decided_at, status, amount, currency, ip_country
		FROM authentications
		WHERE cardholder_id = ? AND decided_at >= ? AND id <> ?
		ORDER BY decided_at DESC LIMIT ?`), q.CardholderID, oldest, q.AuthenticationID, cardHistoryLimit)
	if err != nil {
		return h, wrap("card", err)
	}
	defer rows.Close()
	for rows.Next() {
		var at, amount int64
		var status, currency, country string
		if err := rows.Scan(&at, &status, &amount, &currency, &country); err != nil {
			return h, wrap("card", err)
		}
		if at >= ms(q.VelocitySince) {
			h.CardCount++
		}
		if at >= ms(q.FailuresSince) && (status == "N" || status == "R") {
			h.Failures++
		}
		if h.PrevCountry == "" && country != "" && at >= ms(q.TravelSince) {
			h.PrevCountry, h.PrevAt = country, fromMS(at)
		}
		if at >= ms(q.UsualSince) && status == "Y" && currency == q.Currency {
			h.UsualCount++
			h.UsualMax = max(h.UsualMax, amount)
		}
	}
	if err := rows.Err(); err != nil {
		return h, wrap("card", err)
	}
	return h, nil
}

// Claim is what a decision under way is made from, recorded before the
// risk engine reads the history (ClaimDecision).
type Claim struct {
	DeviceHash []byte // nil: no device id
	IPNet, IP  string // "" when unknown
	IPCountry  string
	At         time.Time // the decision's time
}

// ClaimDecision records that authentication id's decision is being made
// at c.At from c's device and address, before RiskHistory reads the
// counts: from here on the device, address and card counts of every other
// decision include it. Recorded only with the decision, the counts of
// decisions under way at once left each other out: a card-testing bot
// sending 40 starts at once from one device or one address got 3 to 20 of
// them past a velocity limit of 3 (e2e TestAttackVelocityBurst). Each
// claim is committed before its own read, so the k-th claim's read counts
// at least the k-1 claims before it and at most `limit` decisions lack the
// rule, on SQLite and on PostgreSQL; decisions at the same moment may
// count each other both ways, never neither. Only an undecided
// authentication is claimed (a decided one keeps its facts), and a claim
// the engine never turned into a decision still counts, as the start it
// was. The decision's own UPDATE (decidedSet) writes the same columns
// again. The claim leaves updated_at alone: it changes nothing a reader
// of the authentication sees, and an index of open authentications is
// kept by it (authentications_open_updated).
func (s *Store) ClaimDecision(ctx context.Context, id string, c Claim) error {
	// No sync of its own to wait for (on SQLite): other decisions see the
	// claim once it commits, and the decision that follows writes the
	// same columns durably. A claim a power cut took back took nothing a
	// decision stood on. Waiting for it put an fsync into every decision
	// (BenchmarkDecide, mean: 0.33-0.37 ms waiting, 0.19-0.21 without;
	// 0.13 before there was a claim).
	ctx, _ = sqlitedb.SyncLater(ctx)
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE authentications
		SET device_hash = ?, ip_net = ?, ip = ?, ip_country = ?, decided_at = ?
		WHERE id = ? AND decision = ''`), c.DeviceHash, c.IPNet, c.IP, c.IPCountry, ms(c.At), id)
	if err != nil {
		return fmt.Errorf("store: claim the decision of %s: %w", id, err)
	}
	return nil
}

// Decision is a risk decision to record with its authentication.
type Decision struct {
	// Decision is frictionless, challenge or deny.
	Decision string
	// Status is the outcome it gives at once: Y (frictionless), R (deny),
	// or C (challenge: the outcome comes later).
	Status string
	// Reason goes with an R.
	Reason string
	Score  int
	// Reasons and Signals are JSON: the fired rules, and the signals used.
	Reasons, Signals string
	// Facts is the risk.Facts the decision read (JSON), for replay.
	Facts      string
	DeviceHash []byte
	// Fingerprint is the device.Fingerprint (JSON) remembered with the
	// device when the authentication succeeds.
	Fingerprint          string
	IP, IPNet, IPCountry string
	ASN                  int64
	// AVHash is the SHA-256 of the authentication value of a frictionless Y.
	AVHash []byte
	At     time.Time
}

// RecordDecision stores the decision on authentication id, which must be
// in status C and not yet decided (else ErrFinal, or ErrConflict when it was
// decided meanwhile). A frictionless decision makes it Y at once and
// remembers the device for the card; a deny makes it R. A challenge
// decision of a start is recorded with its first challenge instead
// (Challenge.Decision), in one transaction.
func (s *Store) RecordDecision(ctx context.Context, id string, d Decision) (issuer.Authentication, error) {
	var a issuer.Authentication
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = s.recordDecision(ctx, tx, id, d)
		return err
	})
	if err != nil {
		return issuer.Authentication{}, fmt.Errorf("store: record decision %s: %w", id, err)
	}
	return a, nil
}

// recordDecision is RecordDecision in tx.
// decidedSet sets the columns a decision records, with setArgs.
const decidedSet = `decision = ?, reason = ?, risk_score = ?, risk_reasons = ?, signals = ?,
	risk_facts = ?, fingerprint = ?, ip_net = ?, asn = ?,
	device_hash = ?, ip = ?, ip_country = ?, decided_at = ?`

// setArgs are the values of decidedSet.
func (d Decision) setArgs() []any {
	return []any{d.Decision, d.Reason, d.Score, d.Reasons, d.Signals,
		d.Facts, d.Fingerprint, d.IPNet, d.ASN,
		d.DeviceHash, d.IP, d.IPCountry, ms(d.At)}
}

func (s *Store) recordDecision(ctx context.Context, tx *sql.Tx, id string, d Decision) (issuer.Authentication, error) {
	var finished sql.NullInt64
	if d.Status != contract.StatusChallenge {
		finished = sql.NullInt64{Int64: ms(d.At), Valid: true}
	}
	a, err := scanAuthentication(tx.QueryRowContext(ctx, s.q(`UPDATE authentications SET `+decidedSet+`,
			status = ?, av_hash = COALESCE(?, av_hash), started_at = COALESCE(started_at, ?),
			finished_at = ?, updated_at = ?,
			secret_enc = CASE WHEN ? = 'C' THEN secret_enc END
		WHERE id = ? AND status = 'C' AND decision = ''
		RETURNING `+authColumns),
		append(d.setArgs(), d.Status, d.AVHash, ms(d.At), finished, ms(d.At), d.Status, id)...))
	if errors.Is(err, ErrNotFound) {
		return a, s.whyNot(ctx, tx, id, d.At, guard{gen: -1, undecided: true, maxResends: -1})
	}
	if err != nil {
		return a, err
	}
	if d.Status == "Y" {
		if err := s.rememberDevice(ctx, tx, id, d.At); err != nil {
			return a, err
		}
	}
	return a, s.audit(ctx, tx, d.At, "issuer", "decide", id, d.auditDetail())
}

// auditDetail is what the audit log keeps of a decision.
func (d Decision) auditDetail() map[string]any {
	return map[string]any{"decision": d.Decision, "status": d.Status, "reason": d.Reason, "score": d.Score}
}

// rememberDevice records that the device of authentication id succeeded for
// its card, with what it looked like (fingerprint, country, network): a
// later success updates them, so the record follows a browser's updates.
// Nothing when the authentication had no device id.
func (s *Store) rememberDevice(ctx context.Context, tx *sql.Tx, id string, at time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO card_devices (cardholder_id, device_hash, first_success, last_success,
			fingerprint, ip_country, asn)
		SELECT cardholder_id, device_hash, ?, ?, fingerprint, ip_country, asn FROM authentications
		WHERE id = ? AND cardholder_id IS NOT NULL AND device_hash IS NOT NULL
		ON CONFLICT (cardholder_id, device_hash) DO UPDATE SET
			last_success = excluded.last_success, successes = card_devices.successes + 1,
			fingerprint = excluded.fingerprint, ip_country = excluded.ip_country, asn = excluded.asn`), ms(at), ms(at), id)
	return err
}

// WatchedMerchant is a merchant on the watch list: the risk rule
// merchant_watchlist fires for every authentication it creates, whatever
// name it is shown under.
type WatchedMerchant struct {
	MerchantID        int64
	Name, DisplayName string
	Note              string
	AddedAt           time.Time
}

// WatchMerchant puts merchant id on the watch list, or changes its note if
// it is there already (keeping when it was added). A merchant that does not
// exist is ErrNotFound.
func (s *Store) WatchMerchant(ctx context.Context, id int64, note string, at time.Time) error {
	// The WHERE makes SQLite read ON CONFLICT as the upsert, not a join.
	err := changedRow(s.db.ExecContext(ctx, s.q(`INSERT INTO merchant_watchlist (merchant_id, note, added_at)
		SELECT id, ?, ? FROM merchants WHERE id = ?
		ON CONFLICT (merchant_id) DO UPDATE SET note = excluded.note`), note, ms(at), id))
	if err != nil {
		return fmt.Errorf("store: watch merchant %d: %w", id, err)
	}
	return nil
}

// UnwatchMerchant takes merchant id off the watch list; ErrNotFound if it
// is not on it.
func (s *Store) UnwatchMerchant(ctx context.Context, id int64) error {
	if err := changedRow(s.db.ExecContext(ctx, s.q(`DELETE FROM merchant_watchlist WHERE merchant_id = ?`), id)); err != nil {
		return fmt.Errorf("store: unwatch merchant %d: %w", id, err)
	}
	return nil
}

// WatchedMerchants returns the watch list, by account name.
func (s *Store) WatchedMerchants(ctx context.Context) ([]WatchedMerchant, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.id, m.name, m.display_name, w.note, w.added_at
		FROM merchant_watchlist w JOIN merchants m ON m.id = w.merchant_id ORDER BY m.name`)
	if err != nil {
		return nil, fmt.Errorf("store: watched merchants: %w", err)
	}
	defer rows.Close()
	var out []WatchedMerchant
	for rows.Next() {
		var w WatchedMerchant
		var added int64
		if err := rows.Scan(&w.MerchantID, &w.Name, &w.DisplayName, &w.Note, &added); err != nil {
			return nil, fmt.Errorf("store: watched merchants: %w", err)
		}
		w.AddedAt = fromMS(added)
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: watched merchants: %w", err)
	}
	return out, nil
}

// UnmatchedWatchNames returns the names of the old watch list (by name,
// before migration 0010) that matched no merchant: no merchant was
// registered under them or sent them, so the migration could not say whom
// they meant. Nothing reads them; they are kept for the operator to decide.
func (s *Store) UnmatchedWatchNames(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM merchant_watchlist_names ORDER BY added_at, name`)
	if err != nil {
		return nil, fmt.Errorf("store: unmatched watch names: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("store: unmatched watch names: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unmatched watch names: %w", err)
	}
	return out, nil
}

// DecisionSignals returns what the decision on authentication id used: the
// signals (JSON) and the device's keyed hash.
func (s *Store) DecisionSignals(ctx context.Context, id string) (signals string, deviceHash []byte, err error) {
	err = s.db.QueryRowContext(ctx, s.q(`SELECT signals, device_hash FROM authentications WHERE id = ?`), id).
		Scan(&signals, &deviceHash)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return "", nil, fmt.Errorf("store: decision signals of %s: %w", id, err)
	}
	return signals, deviceHash, nil
}
