package risk

import (
	"net/netip"
	"strings"
	"time"
)

// rule is one row of the rule table: a reason code, the coarse category a
// merchant may see, whether it is evidence of fraud, what configuration it
// needs, and when it fires.
//
// A rule that is not evidence is a signal: it may raise a purchase to a
// challenge (a bot, a stranger's browser, a burst of purchases: none of
// them has the cardholder's code), but it cannot deny on its own, however
// many add up. A deny needs evidence of fraud (see Engine.Decide).
type rule struct {
	code     string
	category string
	evidence bool
	needs    struct{ window, limit, factor bool }
	fires    func(f *Facts, c RuleConfig) bool
}

// Coarse reason categories: all a merchant learns of why.
const (
	CatDevice   = "device"
	CatLocation = "location"
	CatVelocity = "velocity"
	CatAmount   = "amount"
	CatAccount  = "account"
	CatMerchant = "merchant"
	CatProvider = "provider"
)

type needs = struct{ window, limit, factor bool }

// rules is the rule table, in the order reasons are listed.
var rules = []rule{
	{code: "known_device", category: CatDevice,
		fires: func(f *Facts, _ RuleConfig) bool { return f.KnownDevice }},
	{code: "device_recognised", category: CatDevice,
		fires: func(f *Facts, _ RuleConfig) bool { return !f.KnownDevice && f.DeviceRecognised }},
	{code: "new_device", category: CatDevice,
		// No device id at all counts as new: a client that hides its id
		// must not look better than one that sends it.
		fires: func(f *Facts, _ RuleConfig) bool { return !f.KnownDevice && !f.DeviceRecognised }},
	{code: "device_mismatch", category: CatDevice,
		fires: func(f *Facts, _ RuleConfig) bool { return f.DeviceMismatch }},
	{code: "country_mismatch", category: CatLocation,
		fires: func(f *Facts, _ RuleConfig) bool {
			return f.IPCountry != "" && f.CardCountry != "" && !strings.EqualFold(f.IPCountry, f.CardCountry)
		}},
	{code: "impossible_travel", category: CatLocation, evidence: true, needs: needs{window: true},
		// Without coordinates, "impossible" is a change of country within
		// the window: no one flies Tokyo to Paris in two hours.
		fires: func(f *Facts, c RuleConfig) bool {
			return f.IPCountry != "" && f.PrevCountry != "" && !strings.EqualFold(f.IPCountry, f.PrevCountry) &&
				f.Now.Sub(f.PrevAt) < time.Duration(c.Window)
		}},
	{code: "velocity_card", category: CatVelocity, needs: needs{window: true, limit: true},
		fires: func(f *Facts, c RuleConfig) bool { return f.CardCount >= c.Limit }},
	{code: "velocity_device", category: CatVelocity, needs: needs{window: true, limit: true},
		fires: func(f *Facts, c RuleConfig) bool { return f.HasDeviceID && f.DeviceCount >= c.Limit }},
	{code: "velocity_ip", category: CatVelocity, needs: needs{window: true, limit: true},
		// Counted per network (Network): an IPv6 client has a /64 of
		// addresses to rotate through.
		fires: func(f *Facts, c RuleConfig) bool { return f.IP != "" && f.IPCount >= c.Limit }},
	{code: "velocity_merchant", category: CatVelocity, needs: needs{window: true, limit: true},
		// Card testing: many cards failing at one merchant in a short
		// while. Every purchase there is challenged until it calms down.
		fires: func(f *Facts, c RuleConfig) bool { return f.MerchantFailures >= max(c.Limit, 1) }},
	{code: "amount_above_usual", category: CatAmount, needs: needs{window: true, limit: true, factor: true},
		// Limit is the number of past successes needed before "usual"
		// means anything.
		fires: func(f *Facts, c RuleConfig) bool {
			return f.UsualCount >= max(c.Limit, 1) && float64(f.Amount) > float64(f.UsualMax)*c.Factor
		}},
	{code: "amount_over_limit", category: CatAmount,
		fires: func(f *Facts, c RuleConfig) bool {
			l, ok := c.Limits[f.Currency]
			return ok && f.Amount > l
		}},
	{code: "webdriver", category: CatDevice,
		fires: func(f *Facts, _ RuleConfig) bool { return f.Webdriver }},
	{code: "headless_browser", category: CatDevice,
		fires: func(f *Facts, _ RuleConfig) bool { return f.Headless }},
	{code: "device_data_missing", category: CatDevice,
		// EMV 3-D Secure: the requestor ran the issuer's 3DS Method and it
		// did not complete (threeDSCompInd N), so the device is known only
		// from what the merchant's server relayed.
		fires: func(f *Facts, _ RuleConfig) bool { return f.DeviceDataMissing }},
	{code: "timezone_mismatch", category: CatLocation,
		fires: func(f *Facts, c RuleConfig) bool {
			zones, ok := c.Zones[strings.ToUpper(f.IPCountry)]
			if !ok || f.Timezone == "" {
				return false // a country we know no zones of says nothing
			}
			for _, z := range zones {
				if f.Timezone == z || (strings.HasSuffix(z, "/") && strings.HasPrefix(f.Timezone, z)) {
					return false
				}
			}
			return true
		}},
	{code: "credential_locked", category: CatAccount, evidence: true,
		fires: func(f *Facts, _ RuleConfig) bool { return f.CredentialLocked }},
	{code: "recent_failures", category: CatAccount, evidence: true, needs: needs{window: true, limit: true},
		fires: func(f *Facts, c RuleConfig) bool { return f.Failures >= max(c.Limit, 1) }},
	{code: "fraud_reported", category: CatAccount, needs: needs{window: true},
		// The cardholder said "this was not me": every purchase of the card
		// is challenged for the window, from any device.
		fires: func(f *Facts, _ RuleConfig) bool { return f.FraudReported }},
	{code: "denylisted_device", category: CatDevice, evidence: true, needs: needs{window: true},
		// The window is how long a reported device stays on the list.
		fires: func(f *Facts, _ RuleConfig) bool { return f.DenylistedDevice }},
	{code: "denylisted_address", category: CatLocation, evidence: true, needs: needs{window: true},
		fires: func(f *Facts, _ RuleConfig) bool { return f.DenylistedAddress }},
	{code: "denylisted_merchant", category: CatMerchant, needs: needs{window: true},
		// A merchant where a fraud was reported is no proof against the
		// next cardholder there: a signal, not evidence.
		fires: func(f *Facts, _ RuleConfig) bool { return f.DenylistedMerchant }},
	{code: "merchant_watchlist", category: CatMerchant, evidence: true,
		fires: func(f *Facts, _ RuleConfig) bool { return f.Watchlisted }},
}

var ruleByCode = func() map[string]*rule {
	m := make(map[string]*rule, len(rules))
	for i := range rules {
		m[rules[i].code] = &rules[i]
	}
	return m
}()

// MinCountCap is the least the capped counts read (Config.CountCap).
const MinCountCap = 100

// LegacyCountCap is the cap the counts were read under before it followed
// the configuration (facts with no CountCap).
const LegacyCountCap = 1000

// cappedCounts are the rules whose counts the store stops at CountCap: the
// device's, the address's and the merchant's, which a busy NAT address or
// a large merchant can make thousands long. The card's own history is
// bounded apart (it is read row by row).
var cappedCounts = [...]struct {
	rule  string
	count func(*Facts) int
}{
	{"velocity_device", func(f *Facts) int { return f.DeviceCount }},
	{"velocity_ip", func(f *Facts) int { return f.IPCount }},
	{"velocity_merchant", func(f *Facts) int { return f.MerchantFailures }},
}

// CountCap is how far the store counts for the cappedCounts rules. A rule
// only asks whether its limit is reached, so counting past the largest
// limit changes no decision under c; the cap is four times that limit, and
// at least MinCountCap, so that the stored facts still replay exactly
// under a candidate with limits up to it (Report.Saturated counts the
// decisions that do not). With a fixed cap of 1,000, every start read up
// to 1,000 index entries per count once an address or a merchant was busy:
// the default limits (10 and 20) need 100.
func (c Config) CountCap() int {
	n := 0
	for _, cc := range cappedCounts {
		n = max(n, c.Rules[cc.rule].Limit)
	}
	return max(MinCountCap, 4*n)
}

// saturated reports whether f's capped counts stopped at their cap below
// a limit of c, so that c's decision over f is not known exactly: the true
// count may have reached the limit.
func (c Config) saturated(f *Facts) bool {
	capped := f.CountCap
	if capped == 0 {
		capped = LegacyCountCap
	}
	for _, cc := range cappedCounts {
		if cc.count(f) >= capped && c.Rules[cc.rule].Limit > capped {
			return true
		}
	}
	return false
}

// Window returns how far back the named rule looks, for the store's
// history query (for a denylisted_* rule, how long an entry lasts); 0 if it
// does not look back.
func (c Config) Window(code string) time.Duration { return time.Duration(c.Rules[code].Window) }

// Network is the address velocity_ip counts by: an IPv4 address whole, an
// IPv6 address as its /64 ("2001:db8:1:2::/64"), since one subscriber gets a
// whole /64 and can use any address in it. Anything else is returned as it
// is ("" stays "").
func Network(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
