# honnin — `make run` starts the whole chain on localhost, `make test` proves it.
# Everything a fresh machine lacks is installed here (see `deps`).

GO        ?= go
BIN       := bin
DIST      := web/dist
DEV       := .dev
GOFLAGS_B := -trimpath
CMDS      := issuer/cmd/issuer issuer/cmd/mailsink edge/cmd/edge web/cmd/shop e2e/cmd/stack

.PHONY: all run test bench build client deps tools clean vet

all: build

## deps: Go modules, and the system tools the build and tests use (Chromium,
## brotli, a Japanese font so screenshots show the personal message).
## apt-get runs only when something is missing, and only as root.
deps:
	@$(GO) mod download
	@missing=""; \
	command -v brotli >/dev/null 2>&1 || missing="$$missing brotli"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
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
	GOOS=js GOARCH=wasm $(GO) vet ./wasm/...

## test: vet, unit, integration and the browser e2e suite (real processes).
test: build vet
	HONNIN_BIN=$(CURDIR)/$(BIN) HONNIN_DIST=$(CURDIR)/$(DIST) $(GO) test -count=1 -timeout 30m ./...

## bench: Go benchmarks, written to e2e/BENCHMARKS.md (cited by the README).
bench: build
	@bash e2e/bench.sh e2e/BENCHMARKS.md

clean:
	rm -rf $(BIN) $(DIST) e2e/artifacts
	@echo "kept $(DEV)/ (dev keys and data); remove it by hand to start over"
