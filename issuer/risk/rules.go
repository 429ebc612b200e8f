package risk

import (
	"strings"
	"time"
)

// rule is one row of the rule table: a reason code, the coarse category a
// merchant may see, what configuration it needs, and when it fires.
type rule struct {
	code     string
	category string
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
	{code: "new_device", category: CatDevice,
		// No device id at all counts as new: a client that hides its id
		// must not look better than one that sends it.
		fires: func(f *Facts, _ RuleConfig) bool { return !f.KnownDevice }},
	{code: "country_mismatch", category: CatLocation,
		fires: func(f *Facts, _ RuleConfig) bool {
			return f.IPCountry != "" && f.CardCountry != "" && !strings.EqualFold(f.IPCountry, f.CardCountry)
		}},
	{code: "impossible_travel", category: CatLocation, needs: needs{window: true},
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
		fires: func(f *Facts, c RuleConfig) bool { return f.IP != "" && f.IPCount >= c.Limit }},
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
	{code: "credential_locked", category: CatAccount,
		fires: func(f *Facts, _ RuleConfig) bool { return f.CredentialLocked }},
	{code: "recent_failures", category: CatAccount, needs: needs{window: true, limit: true},
		fires: func(f *Facts, c RuleConfig) bool { return f.Failures >= max(c.Limit, 1) }},
	{code: "merchant_watchlist", category: CatMerchant,
		fires: func(f *Facts, _ RuleConfig) bool { return f.Watchlisted }},
}

var ruleByCode = func() map[string]*rule {
	m := make(map[string]*rule, len(rules))
	for i := range rules {
		m[rules[i].code] = &rules[i]
	}
	return m
}()

// Window returns how far back the named rule looks, for the store's
// history query; 0 if it does not look back.
func (c Config) Window(code string) time.Duration { return time.Duration(c.Rules[code].Window) }
