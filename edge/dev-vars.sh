#!/usr/bin/env bash
# Prints a wrangler .dev.vars / --env-file for the Workers edge from a keys
# folder (issuer keys init): the three key files as one-line secrets, and
# the issuer's URL.   usage: dev-vars.sh KEYS_DIR ISSUER_URL
set -euo pipefail
keys=$1 issuer=$2
oneline() { tr -d '\n\r' <"$keys/$1"; }
printf "HONNIN_EDGE_SIGN_JWK='%s'\n" "$(oneline edge-sign.jwk)"
printf "HONNIN_EDGE_SEAL_JWK='%s'\n" "$(oneline edge-seal.jwk)"
printf "HONNIN_ISSUER_JWKS='%s'\n" "$(oneline issuer.jwks)"
printf "HONNIN_ISSUER_URL='%s'\n" "$issuer"
