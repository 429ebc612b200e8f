# honnin — `make run` starts the whole chain on localhost, `make test` proves it.
# Everything a fresh machine lacks is installed here (see `deps`).

GO        ?= go
BIN       := bin
DIST      := web/dist
DEV       := .dev
GOFLAGS_B := -trimpath
CMDS      := issuer/cmd/issuer issuer/cmd/mailsink issuer/cmd/authapp edge/cmd/edge web/cmd/shop e2e/cmd/stack e2e/cmd/dssim

.PHONY: all run check test test-workerd bench build client deps tools clean vet edge-node e2e-node edge-build edge-dev edge-deploy fuzz fuzz-short

all: build

## deps: Go modules, and the system tools the build and tests use (Chromium,
## brotli, a Japanese font so screenshots show the personal message,
## oathtool: TOTP codes computed outside honnin, to test against, and the
## PostgreSQL server binaries, from which the tests start their own cluster).
## apt-get runs only when something is missing, and only as root.
deps:
	@$(GO) mod download
	@missing=""; \
	command -v brotli >/dev/null 2>&1 || missing="$$missing brotli"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v oathtool >/dev/null 2>&1 || missing="$$missing oathtool"; \
	command -v argon2 >/dev/null 2>&1 || missing="$$missing argon2"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || \
	  [ -x "$${HONNIN_PG_BIN:-/nonexistent}/initdb" ] || missing="$$missing postgresql"; \
	fc-list :lang=ja 2>/dev/null | grep -q . || missing="$$missing fonts-ipafont-gothic"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing:$$missing — install with: sudo apt-get install -y$$missing" >&2; \
	    if [ "$${CI:-}" = true ]; then exit 1; fi; \
	  fi; \
	fi

## build: the four programs and the wasm client (content-hashed, .br/.gz).
build: deps client
	@mkdir -p $(BIN)
	@for c in $(CMDS); do $(GO) build $(GOFLAGS_B) -o $(BIN)/$$(basename $$c) ./$$c || exit 1; done

client:
	@bash web/build-client.sh $(DIST)

## run: build, create dev keys and demo data on first run, start everything.
run: build
	@$(BIN)/stack -bin $(BIN) -dist $(DIST) -state $(DEV)

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./wasm/... ./edge/worker/... ./edge/ledger/d1/... ./edge/cmd/edgeworker/... ./edge/challenge/... ./edge/fetch/... ./edge/promise/... ./edge/contract/... ./edge/issuerclient/... ./edge/server/...
	GOOS=js GOARCH=wasm $(GO) vet -tags workerfault ./edge/worker/faultworker/

## The edge inside Cloudflare Workers (workerd through wrangler, offline).
WRANGLER_ENV := WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false \
	CLOUDFLARE_CF_FETCH_ENABLED=false NO_UPDATE_NOTIFIER=1 CI=true
WRANGLER     := cd edge && $(WRANGLER_ENV) node_modules/.bin/wrangler

## edge-node: wrangler (and workerd) from edge/package-lock.json, again
## whenever the lockfile changes.
edge-node: edge/node_modules/.installed
edge/node_modules/.installed: edge/package-lock.json
	cd edge && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## e2e-node: axe-core, the accessibility checker the e2e suite injects into
## its pages, from e2e/package-lock.json, again whenever the lockfile changes.
e2e-node: e2e/node_modules/.installed
e2e/node_modules/.installed: e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## edge-build: the worker (wasm + our glue + static assets) into edge/build.
edge-build: client edge-node
	@GO=$(GO) bash edge/build-worker.sh

## edge-dev: the edge in workerd on 127.0.0.1:8787, D1 local, secrets from
## the dev keys (.dev/keys, made by `make run` or here), request.cf from
## edge/dev-cf.json. edge/dev.mjs runs wrangler's own miniflare and workerd
## without wrangler dev's proxy, which stalls page files (see edge/README.md).
edge-dev: build edge-build
	@test -d $(DEV)/keys || $(BIN)/issuer keys init -dir $(DEV)/keys
	@rm -f edge/.dev.vars && (umask 077 && bash edge/dev-vars.sh $(DEV)/keys http://127.0.0.1:8081 > edge/.dev.vars)
	$(WRANGLER) d1 migrations apply DB --local
	cd edge && $(WRANGLER_ENV) node dev.mjs -config wrangler.toml -persist .wrangler/state \
	  -ip 127.0.0.1 -port 8787 -vars .dev.vars -cf dev-cf.json

## edge-deploy: deploy to Cloudflare (needs `wrangler login`, a D1 id in
## edge/wrangler.toml, and the secrets: see edge/README.md). Not run by any test.
edge-deploy: edge-build
	cd edge && node_modules/.bin/wrangler d1 migrations apply DB --remote
	cd edge && node_modules/.bin/wrangler deploy

## UNIT: every package but the e2e suite (./e2e: real processes, real
## Chromium), those with the most test files first: go test starts them in
## this order, so the long runs (store, portal) start at once and the two
## cores finish together (73 s, against 92 s in import-path order).
## Expanded only by the targets that use it.
UNIT = $(shell $(GO) list -f '{{len .TestGoFiles}} {{len .XTestGoFiles}} {{.ImportPath}}' ./... | \
	awk '$$3 !~ /\/e2e$$/ { print $$1 + $$2, $$3 }' | sort -rn | cut -d' ' -f2)
## RACE: the unit tests run with the race detector. Its runtime sleeps a
## second as each test binary exits, for reports still on their way: 50
## binaries, 25 s of a 2-core run spent asleep. A race found during a test
## fails that test as it happens, so the tests do not wait.
RACE = GORACE="$(strip atexit_sleep_ms=0 $(GORACE))" $(GO) test -race

## check: vet, and the unit tests with the race detector: what to run
## before a commit, under 2 minutes on 2 cores. The store's and the
## portal's tests, and the CLI's database ones, run on SQLite and on
## PostgreSQL (a throwaway cluster the tests start) in every go test; the
## API's run on SQLite, then again on PostgreSQL (HONNIN_TEST_DB).
check: vet
	@echo '$(RACE) -count=1 -timeout 10m <every package but ./e2e>'
	@$(RACE) -count=1 -timeout 10m $(UNIT)
	HONNIN_TEST_DB=postgres $(RACE) -count=1 -timeout 10m ./issuer/api/

## test: everything: the unit tests as check runs them, the browser e2e
## suite (real processes, edge native), fuzzing, the js/wasm suites, then
## the e2e suite again with the edge inside workerd.
test: build vet edge-build e2e-node
	@echo '$(RACE) -count=1 -timeout 20m <every package but ./e2e>'
	@$(RACE) -count=1 -timeout 20m $(UNIT)
	HONNIN_TEST_DB=postgres $(RACE) -count=1 -timeout 10m ./issuer/api/
	HONNIN_BIN=$(CURDIR)/$(BIN) HONNIN_DIST=$(CURDIR)/$(DIST) $(GO) test -count=1 -timeout 30m ./e2e/
	@$(MAKE) --no-print-directory fuzz-short
	@# The crypto suites again as js/wasm under Node: the WebCrypto paths
	@# (Ed25519, X25519) and fetch() the worker uses must answer as Go's do
	@# natively; and edge/promise, which exists only there.
	GOOS=js GOARCH=wasm $(GO) test -count=1 -exec="$$($(GO) env GOROOT)/lib/wasm/go_js_wasm_exec" -run 'Ed25519|X25519|Seal|Fetch' ./edge/challenge/ ./edge/fetch/
	GOOS=js GOARCH=wasm $(GO) test -count=1 -exec="$$($(GO) env GOROOT)/lib/wasm/go_js_wasm_exec" ./edge/promise/
	$(E2E_WORKERD)

## test-workerd: only the e2e suite against the edge inside workerd.
test-workerd: build edge-build e2e-node
	$(E2E_WORKERD)

E2E_WORKERD := HONNIN_E2E_EDGE=workerd HONNIN_BIN=$(CURDIR)/$(BIN) HONNIN_DIST=$(CURDIR)/$(DIST) \
	$(GO) test -count=1 -timeout 20m ./e2e/

## fuzz: every Go fuzz target (the Fuzz functions of *_fuzz_test.go: tokens,
## seals, key files, signals, request bodies, token files, gateway answers,
## ...) for FUZZTIME each (default 5m), two at a time (e2e/fuzz.sh). An
## input that breaks a target's property is left in its package's
## testdata/fuzz/: commit it, and plain `go test` keeps it as a regression.
fuzz:
	@FUZZTIME=$(or $(FUZZTIME),5m) GO=$(GO) bash e2e/fuzz.sh

## fuzz-short: the same for 10 s a target: part of `make test`.
fuzz-short:
	@FUZZTIME=10s FUZZMINIMIZETIME=3s GO=$(GO) bash e2e/fuzz.sh

## bench: Go benchmarks, written to e2e/BENCHMARKS.md (cited by the README).
## The edge's section (CPU per verify in workerd with our glue and the stock
## one, and natively; cold start; the worker's upload size) is appended, and
## the client's (mount to a usable code field on Fast 3G and a 4x slower
## CPU, cold and prepared, in Chromium on the e2e stack; its brotli size by
## Go package), and the load on the native processes (create, create +
## start, wrong and right codes at 1 to 64 clients, SQLite and PostgreSQL:
## e2e/bench-load.sh).
bench: build edge-build
	@bash e2e/bench.sh e2e/BENCHMARKS.md
	@GO=$(GO) bash e2e/bench-edge.sh >> e2e/BENCHMARKS.md
	@GO=$(GO) bash e2e/bench-mount.sh >> e2e/BENCHMARKS.md
	@GO=$(GO) bash e2e/bench-load.sh >> e2e/BENCHMARKS.md

clean:
	rm -rf $(BIN) $(DIST) e2e/artifacts
	@echo "kept $(DEV)/ (dev keys and data); remove it by hand to start over"
