package emvpages

import (
	"testing"

	"github.com/honnin/honnin/edge/assets"
	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/issuerclient"
)

// conclude stands for edge/api's Handler in a test that never reaches it.
type conclude struct{ Results }

func TestNewRefusesIncompleteConfig(t *testing.T) {
	key, err := challenge.NewSigningKey(challenge.EdgeName)
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := issuerclient.New(issuerclient.Config{URL: "http://127.0.0.1:1", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	full := func() Config {
		return Config{Keys: challenge.EdgeKeys{Sign: key, Issuer: challenge.NewKeySet()}, Issuer: issuer, Results: conclude{},
			Client: assets.ClientPaths{Wasm: "/assets/w.wasm", WasmExec: "/assets/e.js", Loader: "/assets/l.js"}}
	}
	if _, err := New(full()); err != nil {
		t.Fatalf("New with a full config: %v", err)
	}
	for name, mut := range map[string]func(*Config){
		"sign key":   func(c *Config) { c.Keys.Sign = challenge.SigningKey{} },
		"issuer key": func(c *Config) { c.Keys.Issuer = nil },
		"issuer":     func(c *Config) { c.Issuer = nil },
		"results":    func(c *Config) { c.Results = nil },
		"client":     func(c *Config) { c.Client.Wasm = "" },
	} {
		cfg := full()
		mut(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("New without %s succeeded", name)
		}
	}
}
