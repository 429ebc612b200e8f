#!/usr/bin/env bash
# build-client.sh OUTDIR — builds the challenge client for the edge to serve.
#
# Writes into OUTDIR:
#   challenge.<hash>.wasm      GOOS=js GOARCH=wasm build of ./wasm
#   wasm_exec.<hash>.js        the runtime glue of the same Go toolchain
#   *.gz (gzip -9 -n) and *.br (brotli -q 11) beside each
#   manifest.json              {"wasm":..., "wasm_exec":..., "sizes":{"raw":N,"gzip":N,"brotli":N}}
# <hash> is the first 12 hex digits of the file's SHA-256, so the edge can
# serve them as immutable. Stale hashed files in OUTDIR are removed first.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
out=$1
root=$(cd "$(dirname "$0")/.." && pwd)

need_brotli() {
	command -v brotli >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "build-client: installing brotli with apt-get" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q brotli >/dev/null ||
			{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q brotli >/dev/null; } ||
			true
	fi
	if ! command -v brotli >/dev/null 2>&1; then
		echo "build-client: the brotli command is missing; install it (Debian/Ubuntu: apt-get install brotli, macOS: brew install brotli)" >&2
		exit 1
	fi
}

sha12() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | cut -c1-12
	else
		shasum -a 256 "$1" | cut -c1-12
	fi
}

size() { wc -c <"$1" | tr -d ' '; }

need_brotli
mkdir -p "$out"
rm -f "$out"/challenge.*.wasm "$out"/challenge.*.wasm.gz "$out"/challenge.*.wasm.br \
	"$out"/wasm_exec.*.js "$out"/wasm_exec.*.js.gz "$out"/wasm_exec.*.js.br \
	"$out"/manifest.json "$out"/.challenge.wasm.tmp

# The same go binary builds the wasm and provides wasm_exec.js: the glue
# must match the runtime it loads. -buildvcs=false keeps the commit out of
# the binary, so the hash (and browsers' caches) change only with the code.
goroot=$(go env GOROOT)
(cd "$root" && GOOS=js GOARCH=wasm go build -trimpath -buildvcs=false -ldflags='-s -w' -o "$out/.challenge.wasm.tmp" ./wasm)
exec_src=$goroot/lib/wasm/wasm_exec.js
[ -f "$exec_src" ] || exec_src=$goroot/misc/wasm/wasm_exec.js # before Go 1.24
if [ ! -f "$exec_src" ]; then
	echo "build-client: wasm_exec.js not found under $goroot" >&2
	exit 1
fi

wasm=challenge.$(sha12 "$out/.challenge.wasm.tmp").wasm
mv "$out/.challenge.wasm.tmp" "$out/$wasm"
chmod 644 "$out/$wasm"
exec_name=wasm_exec.$(sha12 "$exec_src").js
cp "$exec_src" "$out/$exec_name"

for f in "$wasm" "$exec_name"; do
	gzip -9 -n -c "$out/$f" >"$out/$f.gz"
	brotli -q 11 -c "$out/$f" >"$out/$f.br"
done

cat >"$out/manifest.json" <<JSON
{
  "wasm": "$wasm",
  "wasm_exec": "$exec_name",
  "sizes": {"raw": $(size "$out/$wasm"), "gzip": $(size "$out/$wasm.gz"), "brotli": $(size "$out/$wasm.br")}
}
JSON
echo "build-client: $out/$wasm raw $(size "$out/$wasm") gzip $(size "$out/$wasm.gz") brotli $(size "$out/$wasm.br") bytes" >&2
