package view

import (
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/honnin/honnin/edge/contract"
)

// The client's JSON, written by hand for its few bodies: encoding/json,
// with the reflect it needs, is about a fifth of the wasm. The bodies are
// edge/contract's types, and their field names are the contract's json
// tags: json_test.go holds this file to encoding/json on every field of
// every type here (what is written, byte for byte, and what is read), and
// FuzzJSON holds the reader to it on any input.
//
// The reader follows encoding/json where the client's answers depend on
// it: the same syntax (RFC 8259, nesting up to 10000), invalid UTF-8 and
// lone surrogates read as U+FFFD, unknown fields ignored, a later
// duplicate field winning (an object merged into one read before it), null
// leaving a field as it is (a pointer nil), a value of the wrong type an
// error, and times read from the string as sent (escapes are not undone,
// as the time package does not). It differs in two ways, both stricter:
// a field name must match the tag exactly (encoding/json also takes
// "State" for "state"), and a time must be in the RFC 3339 form parseTime
// reads.

// errJSON is every reading error: the client only needs to know that an
// answer is broken.
var errJSON = errors.New("view: malformed JSON")

// maxJSONDepth is encoding/json's nesting limit.
const maxJSONDepth = 10000

// jsonValue is a parsed JSON value.
type jsonValue struct {
	kind    byte   // 'n' null, 't' true, 'f' false, '0' number, '"' string, '[' array, '{' object
	text    string // a string's value, a number's literal
	raw     string // a string's bytes between its quotes, as sent
	members []jsonMember
}

type jsonMember struct {
	key string
	val jsonValue
}

// parseJSON parses one JSON value with only whitespace around it.
func parseJSON(data []byte) (jsonValue, error) {
	p := jsonParser{data: data}
	v, ok := p.value(0)
	p.space()
	if !ok || p.i != len(data) {
		return jsonValue{}, errJSON
	}
	return v, nil
}

type jsonParser struct {
	data []byte
	i    int
}

func (p *jsonParser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// next skips whitespace and reports the next byte, 0 at the end.
func (p *jsonParser) next() byte {
	p.space()
	if p.i < len(p.data) {
		return p.data[p.i]
	}
	return 0
}

func (p *jsonParser) value(depth int) (v jsonValue, ok bool) {
	switch c := p.next(); c {
	case '{', '[':
		if depth >= maxJSONDepth {
			return v, false
		}
		v.kind = c
		p.i++
		if c == '[' {
			// The client reads no arrays: their elements are checked
			// and dropped.
			if p.next() == ']' {
				p.i++
				return v, true
			}
			for {
				if _, ok := p.value(depth + 1); !ok {
					return v, false
				}
				switch p.next() {
				case ',':
					p.i++
				case ']':
					p.i++
					return v, true
				default:
					return v, false
				}
			}
		}
		if p.next() == '}' {
			p.i++
			return v, true
		}
		for {
			if p.next() != '"' {
				return v, false
			}
			key, _, ok := p.string()
			if !ok || p.next() != ':' {
				return v, false
			}
			p.i++
			val, ok := p.value(depth + 1)
			if !ok {
				return v, false
			}
			v.members = append(v.members, jsonMember{key, val})
			switch p.next() {
			case ',':
				p.i++
			case '}':
				p.i++
				return v, true
			default:
				return v, false
			}
		}
	case '"':
		v.kind = c
		v.text, v.raw, ok = p.string()
		return v, ok
	case 't':
		return jsonValue{kind: c}, p.literal("true")
	case 'f':
		return jsonValue{kind: c}, p.literal("false")
	case 'n':
		return jsonValue{kind: c}, p.literal("null")
	default:
		start := p.i
		if !p.number() {
			return v, false
		}
		return jsonValue{kind: '0', text: string(p.data[start:p.i])}, true
	}
}

func (p *jsonParser) literal(word string) bool {
	if len(p.data)-p.i < len(word) || string(p.data[p.i:p.i+len(word)]) != word {
		return false
	}
	p.i += len(word)
	return true
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (p *jsonParser) number() bool {
	d := p.data
	digits := func() bool {
		start := p.i
		for p.i < len(d) && isDigit(d[p.i]) {
			p.i++
		}
		return p.i > start
	}
	if p.i < len(d) && d[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(d) && d[p.i] == '0':
		p.i++
	case !digits():
		return false
	}
	if p.i < len(d) && d[p.i] == '.' {
		p.i++
		if !digits() {
			return false
		}
	}
	if p.i < len(d) && (d[p.i] == 'e' || d[p.i] == 'E') {
		p.i++
		if p.i < len(d) && (d[p.i] == '+' || d[p.i] == '-') {
			p.i++
		}
		if !digits() {
			return false
		}
	}
	return true
}

// string reads a string at p.i (its opening quote): its value, and the
// bytes between the quotes.
func (p *jsonParser) string() (s, raw string, ok bool) {
	d := p.data
	p.i++
	start := p.i
	var out []byte
	for p.i < len(d) {
		c := d[p.i]
		switch {
		case c == '"':
			raw = string(d[start:p.i])
			p.i++
			if out == nil {
				return raw, raw, true
			}
			return string(out), raw, true
		case c < 0x20:
			return "", "", false
		case c == '\\':
			if out == nil {
				out = append(make([]byte, 0, len(d)-start), d[start:p.i]...)
			}
			if p.i+1 >= len(d) {
				return "", "", false
			}
			p.i += 2
			switch e := d[p.i-1]; e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r := hex4(d[p.i:])
				if r < 0 {
					return "", "", false
				}
				p.i += 4
				if 0xD800 <= r && r < 0xE000 {
					// A surrogate: with a low one after a high one, a
					// pair; alone, U+FFFD (the next escape is read on
					// its own).
					r2 := -1
					if len(d)-p.i >= 6 && d[p.i] == '\\' && d[p.i+1] == 'u' {
						r2 = hex4(d[p.i+2:])
					}
					if r < 0xDC00 && 0xDC00 <= r2 && r2 < 0xE000 {
						r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
						p.i += 6
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, rune(r))
			default:
				return "", "", false
			}
		case c < utf8.RuneSelf:
			if out != nil {
				out = append(out, c)
			}
			p.i++
		default:
			r, size := utf8.DecodeRune(d[p.i:])
			if r == utf8.RuneError && size == 1 && out == nil {
				out = append(make([]byte, 0, len(d)-start+2), d[start:p.i]...)
			}
			if out != nil {
				out = utf8.AppendRune(out, r)
			}
			p.i += size
		}
	}
	return "", "", false
}

// hex4 reads four hex digits, -1 if they are not.
func hex4(b []byte) int {
	if len(b) < 4 {
		return -1
	}
	r := 0
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | int(c)
	}
	return r
}

// jsonReader stores values into fields, remembering the first error.
type jsonReader struct{ err error }

// object reports whether v is an object to read (false for null, an
// error for anything else).
func (r *jsonReader) object(v jsonValue) bool {
	if v.kind != '{' && v.kind != 'n' {
		r.err = errJSON
	}
	return v.kind == '{'
}

func (r *jsonReader) string(v jsonValue, dst *string) {
	switch v.kind {
	case '"':
		*dst = v.text
	case 'n':
	default:
		r.err = errJSON
	}
}

func (r *jsonReader) int64(v jsonValue, dst *int64) {
	switch v.kind {
	case '0':
		n, err := strconv.ParseInt(v.text, 10, 64)
		if err != nil {
			r.err = errJSON
			return
		}
		*dst = n
	case 'n':
	default:
		r.err = errJSON
	}
}

func (r *jsonReader) int(v jsonValue, dst *int) {
	n := int64(*dst)
	r.int64(v, &n)
	if int64(int(n)) != n {
		r.err = errJSON
		return
	}
	*dst = int(n)
}

func (r *jsonReader) time(v jsonValue, dst *time.Time) {
	switch v.kind {
	case '"':
		t, ok := parseTime(v.raw)
		if !ok {
			r.err = errJSON
			return
		}
		*dst = t
	case 'n':
	default:
		r.err = errJSON
	}
}

// readScreen reads the edge's 2xx answer.
func readScreen(data []byte) (contract.Screen, error) {
	var s contract.Screen
	v, err := parseJSON(data)
	if err != nil {
		return s, err
	}
	var r jsonReader
	if !r.object(v) {
		return s, r.err
	}
	for _, m := range v.members {
		switch m.key {
		case "state":
			r.string(m.val, &s.State)
		case "challenge_token":
			r.string(m.val, &s.ChallengeToken)
		case "display":
			if m.val.kind == 'n' {
				s.Display = nil
			} else if r.object(m.val) {
				if s.Display == nil {
					s.Display = new(contract.Display)
				}
				r.display(m.val, s.Display)
			}
		case "error":
			r.string(m.val, &s.Error)
		case "result_token":
			r.string(m.val, &s.ResultToken)
		case "status":
			r.string(m.val, &s.Status)
		case "reason":
			r.string(m.val, &s.Reason)
		case "merchant_origin":
			r.string(m.val, &s.MerchantOrigin)
		case "issuer":
			if m.val.kind == 'n' {
				s.Issuer = nil
			} else if r.object(m.val) {
				if s.Issuer == nil {
					s.Issuer = new(contract.Issuer)
				}
				r.issuer(m.val, s.Issuer)
			}
		}
	}
	return s, r.err
}

func (r *jsonReader) issuer(v jsonValue, i *contract.Issuer) {
	fields := [...]struct {
		key string
		dst *string
	}{{"name", &i.Name}, {"phone", &i.Phone}, {"portal_url", &i.Portal}, {"logo", &i.Logo}, {"color", &i.Color}, {"accent", &i.Accent}}
	for _, m := range v.members {
		for _, f := range fields {
			if m.key == f.key {
				r.string(m.val, f.dst)
			}
		}
	}
}

func (r *jsonReader) display(v jsonValue, d *contract.Display) {
	for _, m := range v.members {
		switch m.key {
		case "merchant":
			r.string(m.val, &d.Merchant)
		case "amount":
			r.int64(m.val, &d.Amount)
		case "currency":
			r.string(m.val, &d.Currency)
		case "date":
			r.time(m.val, &d.Date)
		case "last4":
			r.string(m.val, &d.Last4)
		case "message":
			r.string(m.val, &d.Message)
		case "method":
			r.string(m.val, &d.Method)
		case "dest":
			r.string(m.val, &d.Dest)
		case "expires_at":
			r.time(m.val, &d.ExpiresAt)
		case "attempts_left":
			r.int(m.val, &d.AttemptsLeft)
		case "resend_after":
			r.time(m.val, &d.ResendAfter)
		case "resends_left":
			r.int(m.val, &d.ResendsLeft)
		case "delivery":
			r.string(m.val, &d.Delivery)
		}
	}
}

// readErrorBody reads a refusal's body.
func readErrorBody(data []byte) (contract.ErrorBody, error) {
	var e contract.ErrorBody
	v, err := parseJSON(data)
	if err != nil {
		return e, err
	}
	var r jsonReader
	if !r.object(v) {
		return e, r.err
	}
	for _, m := range v.members {
		switch m.key {
		case "error":
			r.string(m.val, &e.Error)
		case "message":
			r.string(m.val, &e.Message)
		}
	}
	return e, r.err
}

// sessionClaims are the claims of a session token the client reads.
type sessionClaims struct {
	emv bool    // an "emv" object: an EMV 3-D Secure session
	mo  *string // the merchant origin, nil when absent (or null)
}

// readSessionClaims reads a session token's claims.
func readSessionClaims(data []byte) (sessionClaims, error) {
	var c sessionClaims
	v, err := parseJSON(data)
	if err != nil {
		return c, err
	}
	var r jsonReader
	if !r.object(v) {
		return c, r.err
	}
	for _, m := range v.members {
		switch m.key {
		case "emv":
			c.emv = m.val.kind == '{'
		case "mo":
			if m.val.kind == 'n' {
				c.mo = nil
				continue
			}
			var s string
			r.string(m.val, &s)
			c.mo = &s
		}
	}
	return c, r.err
}

// jsonWriter writes one JSON object.
type jsonWriter struct {
	b   []byte
	err error
}

func (w *jsonWriter) key(name string) {
	if len(w.b) == 0 || w.b[len(w.b)-1] != '{' {
		w.b = append(w.b, ',')
	}
	w.b = appendJSONString(w.b, name)
	w.b = append(w.b, ':')
}

func (w *jsonWriter) string(name, v string, omitEmpty bool) {
	if omitEmpty && v == "" {
		return
	}
	w.key(name)
	w.b = appendJSONString(w.b, v)
}

func (w *jsonWriter) int(name string, v int) {
	if v == 0 {
		return // every int field the client writes is omitempty
	}
	w.key(name)
	w.b = strconv.AppendInt(w.b, int64(v), 10)
}

func (w *jsonWriter) bool(name string, v bool) {
	if v {
		w.key(name)
		w.b = append(w.b, "true"...)
	}
}

// float writes v as encoding/json does (ES6 number-to-string): %f, or
// %e with the exponent unpadded outside [1e-6, 1e21). NaN and infinities
// are an error.
func (w *jsonWriter) float(name string, v float64) {
	if v == 0 {
		return // omitempty
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		w.err = errors.New("view: " + name + " is not a finite number")
		return
	}
	w.key(name)
	format := byte('f')
	if a := math.Abs(v); a < 1e-6 || a >= 1e21 {
		format = 'e'
	}
	w.b = strconv.AppendFloat(w.b, v, format, -1, 64)
	if n := len(w.b); format == 'e' && n >= 4 && w.b[n-4] == 'e' && w.b[n-3] == '-' && w.b[n-2] == '0' {
		w.b[n-2] = w.b[n-1]
		w.b = w.b[:n-1]
	}
}

func (w *jsonWriter) device(name string, d *contract.DeviceSignals) {
	w.key(name)
	if d == nil {
		w.b = append(w.b, "null"...)
		return
	}
	w.b = append(w.b, '{')
	w.string("ua", d.UA, true)
	w.string("platform", d.Platform, true)
	w.bool("mobile", d.Mobile)
	if len(d.Languages) > 0 {
		w.key("languages")
		w.b = append(w.b, '[')
		for i, l := range d.Languages {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = appendJSONString(w.b, l)
		}
		w.b = append(w.b, ']')
	}
	w.string("timezone", d.Timezone, true)
	w.int("tz_offset", d.TZOffset)
	w.int("screen_w", d.ScreenW)
	w.int("screen_h", d.ScreenH)
	w.int("color_depth", d.ColorDepth)
	w.float("pixel_ratio", d.PixelRatio)
	w.int("hw_concurrency", d.HWConcurrency)
	w.int("touch_points", d.TouchPoints)
	w.bool("webdriver", d.Webdriver)
	w.string("device_id", d.DeviceID, true)
	w.b = append(w.b, '}')
}

func (w *jsonWriter) done() ([]byte, error) {
	w.b = append(w.b, '}')
	if w.err != nil {
		return nil, w.err
	}
	return w.b, nil
}

const hexDigits = "0123456789abcdef"

func newJSONWriter() *jsonWriter { return &jsonWriter{b: append(make([]byte, 0, 256), '{')} }

func writeStart(r contract.ClientStartRequest) ([]byte, error) {
	w := newJSONWriter()
	w.string("session_token", r.SessionToken, false)
	w.device("device", r.Device)
	return w.done()
}

func writePrepare(r contract.ClientPrepareRequest) ([]byte, error) {
	w := newJSONWriter()
	w.string("session_token", r.SessionToken, false)
	w.device("device", r.Device)
	return w.done()
}

func writeMethodDevice(r contract.EMVMethodDeviceRequest) ([]byte, error) {
	w := newJSONWriter()
	w.string("method_token", r.MethodToken, false)
	w.device("device", r.Device)
	return w.done()
}

func writeVerify(r contract.VerifyRequest) ([]byte, error) {
	w := newJSONWriter()
	w.string("challenge_token", r.ChallengeToken, false)
	w.string("code", r.Code, false)
	return w.done()
}

func writeToken(r contract.TokenRequest) ([]byte, error) {
	w := newJSONWriter()
	w.string("challenge_token", r.ChallengeToken, false)
	return w.done()
}

// appendJSONString writes s as encoding/json does: <, > and & escaped
// as \u003c and the like, control characters escaped, invalid UTF-8 as
// \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
