package risk

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// defaultConfig is the configuration used when none is given; the table
// of rules and thresholds in issuer/risk/README.md is this file.
//
//go:embed default.json
var defaultConfig []byte

// Config is the engine's configuration file (JSON). Every rule named in
// the rule table must be configured; a weight of 0 turns a rule off.
type Config struct {
	// Note is free text for people: why this file differs from the
	// default. The engine ignores it.
	Note       string                `json:"note,omitempty"`
	Thresholds Thresholds            `json:"thresholds"`
	Rules      map[string]RuleConfig `json:"rules"`
	Provider   ProviderConfig        `json:"provider"`
}

// Thresholds map a score to a decision: at most FrictionlessMax is
// frictionless, at least DenyMin is a deny, anything between a challenge.
type Thresholds struct {
	FrictionlessMax int `json:"frictionless_max"`
	DenyMin         int `json:"deny_min"`
	// FrictionlessMaxAmount caps frictionless per currency (minor units):
	// above it, or in a currency not listed, a low score still challenges.
	FrictionlessMaxAmount map[string]int64 `json:"frictionless_max_amount"`
}

// RuleConfig is one rule's settings; which fields a rule reads is in the
// rule table (rules.go).
type RuleConfig struct {
	// Weight is the points the rule adds when it fires (negative lowers the
	// score).
	Weight int `json:"weight"`
	// Limit is a count: more than Limit in Window fires a velocity rule.
	Limit int `json:"limit,omitempty"`
	// Window is how far back the rule looks (Go duration: "10m", "24h").
	Window Duration `json:"window,omitempty"`
	// Factor multiplies the usual amount.
	Factor float64 `json:"factor,omitempty"`
	// Limits are per-currency amounts in minor units.
	Limits map[string]int64 `json:"limits,omitempty"`
	// Zones are, per country, the IANA time zones (or prefixes ending in
	// "/") consistent with it.
	Zones map[string][]string `json:"zones,omitempty"`
}

// ProviderConfig is the third-party risk service. An empty URL turns it off.
type ProviderConfig struct {
	URL     string   `json:"url"`
	Timeout Duration `json:"timeout"`
	// Weight scales the provider's score (0 = safe … 100 = fraud) to
	// -Weight … +Weight points.
	Weight int `json:"weight"`
}

// Duration is a time.Duration written as a Go duration string in JSON.
type Duration time.Duration

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string like \"10m\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if v < 0 {
		return fmt.Errorf("duration %q is negative", s)
	}
	*d = Duration(v)
	return nil
}

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// DefaultConfig returns the embedded default configuration.
func DefaultConfig() Config {
	c, err := ParseConfig(defaultConfig)
	if err != nil {
		panic("risk: embedded default.json: " + err.Error())
	}
	return c
}

// LoadConfig reads a configuration file; "" means the default.
func LoadConfig(path string) (Config, error) {
	if path == "" {
		return DefaultConfig(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("risk: config: %w", err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return Config{}, fmt.Errorf("risk: config %s: %w", path, err)
	}
	return c, nil
}

// ParseConfig parses and checks a configuration. Unknown fields and
// unknown rule names are errors, so a typo cannot silently turn a rule off.
func ParseConfig(b []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, err
	}
	return c, c.check()
}

func (c Config) check() error {
	var errs []error
	if c.Thresholds.FrictionlessMax >= c.Thresholds.DenyMin {
		errs = append(errs, fmt.Errorf("thresholds: frictionless_max (%d) must be below deny_min (%d)",
			c.Thresholds.FrictionlessMax, c.Thresholds.DenyMin))
	}
	for name := range c.Rules {
		if _, ok := ruleByCode[name]; !ok {
			errs = append(errs, fmt.Errorf("rules: unknown rule %q", name))
		}
	}
	for _, r := range rules {
		rc, ok := c.Rules[r.code]
		if !ok {
			errs = append(errs, fmt.Errorf("rules: %s is not configured (weight 0 turns it off)", r.code))
			continue
		}
		if r.needs.window && rc.Weight != 0 && rc.Window <= 0 {
			errs = append(errs, fmt.Errorf("rules: %s needs a window", r.code))
		}
		if r.needs.limit && rc.Limit < 0 {
			errs = append(errs, fmt.Errorf("rules: %s: limit must not be negative", r.code))
		}
		if r.needs.factor && rc.Weight != 0 && rc.Factor < 1 {
			errs = append(errs, fmt.Errorf("rules: %s: factor must be at least 1", r.code))
		}
	}
	if u := c.Provider.URL; u != "" {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			errs = append(errs, errors.New("provider: url must be http(s)"))
		}
		if c.Provider.Timeout <= 0 || time.Duration(c.Provider.Timeout) > 2*time.Second {
			errs = append(errs, errors.New("provider: timeout must be above 0 and at most 2s"))
		}
	}
	return errors.Join(errs...)
}
