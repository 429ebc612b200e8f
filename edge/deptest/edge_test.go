package deptest

import (
	"slices"
	"testing"
)

const module = "github.com/honnin/honnin/"

// TestEdgeImportRules: no package of the edge, nor its tests, imports the
// issuer, the wasm client or web/: the edge and the issuer meet only on the
// wire (their contracts are leaves under edge/, which the issuer imports,
// never the other way), so the edge's binaries hold no secret or code of
// the issuer's and the Workers build stays small. The one exception is
// web's root package, the static files of the challenge page and the
// merchant snippet: the two edge mains embed them (edge/cmd/edge serves
// them, edge/cmd/edgeworker renders the challenge page), edgeassets writes
// them out for Workers' static assets, and edge/assets' and edge/server's
// tests serve the real page. Checked for the host and for js/wasm (the worker's packages).
func TestEdgeImportRules(t *testing.T) {
	rules := []string{module + "issuer/...", module + "wasm/...", module + "web/..."}
	web := map[string][]string{ // who may import web's root package, in its build and in its tests
		module + "edge/cmd/edge":       {"build", "tests"},
		module + "edge/cmd/edgeworker": {"build", "tests"},
		module + "edge/cmd/edgeassets": {"build", "tests"},
		module + "edge/assets":         {"tests"},
		module + "edge/server":         {"tests"},
	}
	// The PostgreSQL ledger's tests start their database with the
	// issuer's throwaway cluster: a test tool, importing nothing of the
	// issuer's but the edge's own testenv.
	pgtest := map[string]bool{module + "edge/ledger/postgres": true}
	for _, target := range [][2]string{{"", ""}, {"js", "wasm"}} {
		for _, tests := range []bool{false, true} {
			scope := map[bool]string{false: "build", true: "tests"}[tests]
			each := DepsEach(t, module+"edge/...", target[0], target[1], tests)
			if len(each) < 20 {
				t.Errorf("GOOS=%s: only %d edge packages: %v", target[0], len(each), each)
			}
			for pkg, deps := range each {
				for _, dep := range deps {
					if dep == module+"web" && slices.Contains(web[pkg], scope) {
						continue
					}
					if dep == module+"issuer/store/pgtest" && tests && pgtest[pkg] {
						continue
					}
					if r := Match(dep, rules...); r != "" {
						t.Errorf("%s (%s, GOOS=%s) depends on %s, which the rule %q forbids", pkg, scope, target[0], dep, r)
					}
				}
			}
		}
	}
}

// TestWorkerNoPostgres: the Workers edge keeps its ledger in D1; the
// PostgreSQL ledger (pgx, and the driver that rewrites the statements) is
// the native edge's alone and must not weigh on the worker's wasm.
func TestWorkerNoPostgres(t *testing.T) {
	Forbid(t, module+"edge/cmd/edgeworker", "js", "wasm",
		"github.com/jackc/...", module+"edge/ledger/postgres")
	if !slices.Contains(Deps(t, module+"edge/cmd/edge", "", ""), module+"edge/ledger/postgres") {
		t.Error("edge/cmd/edge does not depend on edge/ledger/postgres: the rule above proves nothing")
	}
}
