package emv3ds

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// DecodeBase64URL decodes s as base64url with or without its '=' padding:
// senders are told to strip it and some do not (note §5, "base64url
// padding"), so a receiver takes both.
func DecodeBase64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// Encode marshals v and encodes it as unpadded base64url, the form of a
// final CRes and of threeDSMethodData sent back to the requestor.
func Encode(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
