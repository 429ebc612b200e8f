package emv3ds

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// object is a JSON object read strictly: each member's raw value by its
// key as sent, and what encoding/json would have let pass silently (note
// §12): the first key seen twice at any depth, and the first key that
// equals a known name only when case is ignored.
type object struct {
	vals map[string]json.RawMessage // first occurrence of each key
	dup  string                     // first duplicate key ("a.b" when nested), or ""
	fold string                     // first key that case-folds to a known name, or ""
}

// errNotObject is every reason a body is no JSON object at all (Erro 101).
var errNotObject = errors.New("not a single JSON object in UTF-8")

// readObject reads body as one JSON object and nothing after it. known
// reports whether a top-level name is one the message defines; folded
// keys are checked against knownFold, a lower-cased copy.
func readObject(body []byte, knownFold map[string]string) (*object, error) {
	// json.Valid checks the syntax and that nothing follows the value;
	// encoding/json replaces invalid UTF-8 by U+FFFD, so it is checked
	// here, before anything is decoded.
	if !utf8.Valid(body) || !json.Valid(body) {
		return nil, errNotObject
	}
	body = bytes.TrimLeft(body, " \t\r\n")
	if len(body) == 0 || body[0] != '{' {
		return nil, errNotObject
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber() // no float conversion: 1e999 is valid JSON
	if _, err := d.Token(); err != nil {
		return nil, errNotObject
	}
	o := &object{vals: make(map[string]json.RawMessage, 64)}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, errNotObject
		}
		key := tok.(string)
		start := d.InputOffset()
		if err := o.skipValue(d, key); err != nil {
			return nil, errNotObject
		}
		raw := bytes.TrimLeft(body[start:d.InputOffset()], " \t\r\n:")
		if _, seen := o.vals[key]; seen {
			if o.dup == "" {
				o.dup = key
			}
			continue
		}
		o.vals[key] = raw
		if o.fold == "" {
			if name, ok := knownFold[strings.ToLower(key)]; ok && name != key {
				o.fold = key
			} else if !ok && hasNonASCII(key) {
				// strings.ToLower does not fold as encoding/json does
				// (the Kelvin sign K matches k): compare the slow way.
				for _, name := range knownFold {
					if strings.EqualFold(name, key) {
						o.fold = key
						break
					}
				}
			}
		}
	}
	return o, nil
}

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// skipValue consumes one value from d, recording the first duplicate key
// of any object inside it, named by its path from the top.
func (o *object) skipValue(d *json.Decoder, path string) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return err
			}
			key := k.(string)
			if seen[key] && o.dup == "" {
				o.dup = path + "." + key
			}
			seen[key] = true
			if err := o.skipValue(d, path+"."+key); err != nil {
				return err
			}
		}
		_, err = d.Token()
		return err
	case json.Delim('['):
		for i := 0; d.More(); i++ {
			if err := o.skipValue(d, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		_, err = d.Token()
		return err
	}
	return nil
}

// foldIndex maps the lower-cased form of each name to the name.
func foldIndex(names []string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = n
	}
	return m
}

// jsonKind is the JSON type of a raw value, from its first byte.
func jsonKind(raw json.RawMessage) byte {
	if len(raw) == 0 {
		return 0
	}
	switch c := raw[0]; c {
	case '"', '{', '[', 't', 'f', 'n':
		return c
	default:
		return '0' // a number
	}
}

// jsonString decodes a raw JSON string; ok is false for any other type.
func jsonString(raw json.RawMessage) (string, bool) {
	if jsonKind(raw) != '"' {
		return "", false
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// jsonStrings decodes a raw JSON array of strings.
func jsonStrings(raw json.RawMessage) ([]string, bool) {
	if jsonKind(raw) != '[' {
		return nil, false
	}
	var elems []json.RawMessage
	if json.Unmarshal(raw, &elems) != nil {
		return nil, false
	}
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		s, ok := jsonString(e)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}
