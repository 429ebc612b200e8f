package emv3ds

import (
	"crypto/rand"
	"encoding/hex"
)

// NewTransID returns a random (version 4) UUID, the form of EMV 3DS
// transaction ids: what the ACS mints as acsTransID.
func NewTransID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
