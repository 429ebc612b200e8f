package tokenfile

import (
	"bytes"
	"encoding/base32"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/honnin/honnin/issuer/totp"
)

// ParseCSV reads TOTP token seeds from a CSV file:
//
//	serial,seed,digits,period[,algorithm]
//	A1234567,hex:3132333435363738393031323334353637383930,6,60
//	A1234568,base32:GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,6,60,SHA256
//
// The first line is that header (names in any case). A seed says its
// encoding with a prefix, "hex:" or "base32:", because a seed such as
// "ABCD2345" is valid in both and would silently give other codes; base32
// may be in any case, with or without "=" padding or spaces; the seed must
// be 16 to 128 bytes (RFC 4226 §4: at least 128 bits). digits is 6 to 8,
// period 10 to 600 seconds, algorithm SHA1 (the default when the column or
// the cell is empty), SHA256 or SHA512. Blank lines and lines starting
// with # are skipped; a UTF-8 byte order mark is allowed. Errors name the
// line; a serial given twice is an error. Every key or none is returned.
func ParseCSV(r io.Reader) ([]Key, error) {
	data, err := readLimited(r)
	if err != nil {
		return nil, fmt.Errorf("tokenfile: csv: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true

	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("tokenfile: csv: empty file")
	}
	if err != nil {
		return nil, fmt.Errorf("tokenfile: csv: %w", err)
	}
	line, _ := cr.FieldPos(0)
	for i := range header {
		header[i] = strings.ToLower(strings.TrimSpace(header[i]))
	}
	if h := strings.Join(header, ","); h != "serial,seed,digits,period" && h != "serial,seed,digits,period,algorithm" {
		// Not quoted: a file without its header would show a seed here.
		return nil, fmt.Errorf("tokenfile: csv: line %d: the header must be serial,seed,digits,period[,algorithm]", line)
	}

	var keys []Key
	seen := map[string]int{} // serial → line
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("tokenfile: csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		k, err := csvKey(rec, len(header))
		if err != nil {
			return nil, fmt.Errorf("tokenfile: csv: line %d: %w", line, err)
		}
		if prev, dup := seen[k.Serial]; dup {
			return nil, fmt.Errorf("tokenfile: csv: line %d: serial %s already on line %d", line, k.Serial, prev)
		}
		seen[k.Serial] = line
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("tokenfile: csv: no keys after the header")
	}
	return keys, nil
}

func csvKey(rec []string, columns int) (Key, error) {
	if len(rec) != columns {
		return Key{}, fmt.Errorf("%d fields, want %d", len(rec), columns)
	}
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	k := Key{Serial: rec[0], Kind: "totp"}
	if err := checkSerial(k.Serial); err != nil {
		return k, err
	}
	var err error
	if k.Secret, err = csvSeed(rec[1]); err != nil {
		return k, fmt.Errorf("seed: %w", err)
	}
	if k.Digits, err = strconv.Atoi(rec[2]); err != nil || k.Digits < 6 || k.Digits > 8 {
		return k, fmt.Errorf("digits %s: want 6 to 8", shown(rec[2]))
	}
	if k.Period, err = strconv.Atoi(rec[3]); err != nil || k.Period < 10 || k.Period > 600 {
		return k, fmt.Errorf("period %s: want 10 to 600 seconds", shown(rec[3]))
	}
	alg := ""
	if columns == 5 {
		alg = rec[4]
	}
	if k.Algorithm, err = totp.ParseAlgorithm(alg); err != nil {
		if len(alg) > 25 { // its error would quote it: see shown
			return k, fmt.Errorf("algorithm %s: want SHA1, SHA256 or SHA512", shown(alg))
		}
		return k, err
	}
	return k, nil
}

// csvSeed decodes a "hex:" or "base32:" seed. Its errors never quote the
// seed: they end up in logs.
func csvSeed(s string) ([]byte, error) {
	enc, v, ok := strings.Cut(s, ":")
	if !ok {
		return nil, errors.New(`no "hex:" or "base32:" prefix`)
	}
	var b []byte
	var err error
	switch strings.ToLower(enc) {
	case "hex":
		if b, err = hex.DecodeString(v); err != nil {
			return nil, errors.New("not hex (0-9, a-f, an even count)")
		}
	case "base32":
		v = strings.TrimRight(strings.ToUpper(strings.ReplaceAll(v, " ", "")), "=")
		if b, err = base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(v); err != nil {
			return nil, errors.New("not base32 (A-Z, 2-7)")
		}
	default:
		return nil, errors.New(`prefix must be "hex:" or "base32:"`)
	}
	if len(b) < MinSecretLen || len(b) > MaxSecretLen {
		return nil, fmt.Errorf("%d bytes: want %d to %d", len(b), MinSecretLen, MaxSecretLen)
	}
	return b, nil
}
