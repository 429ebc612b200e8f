package emv3ds

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Size bounds (note §10). An AReq without extensions is a few kilobytes;
// 64 KiB leaves room for every optional object, and the extensions get
// the 81 920 bytes cas allows the whole messageExtension array on top.
const (
	maxExtensionsBytes = 81920
	MaxAReqBody        = 64<<10 + maxExtensionsBytes // the door reads no more than this (101 beyond)
	maxExtensionData   = 8059                        // bytes of one extension's data
	maxExtensionField  = 64                          // characters of its name and of its id
)

// recognisedExtensions are the message extensions this ACS understands, by
// id: none. An unknown one with criticalityIndicator true is refused (Erro
// 202); an unknown non-critical one is ignored (note §10).
var recognisedExtensions = map[string]bool{}

// Erro descriptions (note §8), the text errorDescription carries.
var descriptions = map[string]string{
	ErrInvalidMessage:     "Message Received Invalid",
	ErrVersion:            "Message Version Number Not Supported",
	ErrRequiredMissing:    "Required Data Element Missing",
	ErrCriticalExtension:  "Critical Message Extension Not Recognised",
	ErrFormat:             "Format of one or more Data Elements is Invalid according to the Specification",
	ErrDuplicate:          "Duplicate Data Element",
	ErrReservedValue:      "Data Element Value in a Reserved Range Not Recognised",
	ErrTransactionUnknown: "Transaction ID Not Recognised",
	ErrInvalidEndpoint:    "Access Denied, Invalid Endpoint",
	ErrISOCode:            "ISO Code Invalid",
	ErrTransactionData:    "Transaction Data Not Valid",
	ErrTimedOut:           "Transaction Timed Out",
	ErrTransient:          "Transient System Failure",
	ErrPermanent:          "Permanent System Failure",
	ErrConnection:         "System Connection Failure",
}

// Refuse is the ACS's Erro about a message of type typ in version v (an
// unsupported or empty v is stamped 2.2.0): code with its description,
// detail saying what was wrong. The caller adds the transaction ids it
// knows. Every Erro this ACS sends is made here.
func Refuse(typ, v, code, detail string) *Erro {
	return erro(typ, v, code, descriptions[code], clip(detail, maxErroText))
}

// maxErroText bounds errorDescription and errorDetail (note §8).
const maxErroText = 2048

// refusal gathers what an Erro about one message carries: the message's
// type, the version to stamp and the transaction ids that could be read.
type refusal struct {
	typ, v, sti, dsti, ati string
}

// head checks what every message is read by, in the order of the codes'
// precedence: its messageType (101), its messageVersion (102; the Erro is
// stamped with the nearest supported version), then one key, one spelling
// (204 for a key twice, 203 for a case-variant one). It returns the
// version.
func (r *refusal) head(o *object) (string, *Erro) {
	if t, ok := jsonString(o.vals["messageType"]); !ok || t != r.typ {
		return "", r.erro(ErrInvalidMessage, "messageType")
	}
	v, ok := jsonString(o.vals["messageVersion"])
	r.v = stampVersion(v)
	switch {
	case !ok || !SupportedVersion(v):
		return "", r.erro(ErrVersion, "messageVersion")
	case o.dup != "":
		return "", r.erro(ErrDuplicate, o.dup)
	case o.fold != "":
		return "", r.erro(ErrFormat, o.fold)
	}
	return v, nil
}

func (r *refusal) erro(code, detail string) *Erro {
	e := erro(r.typ, r.v, code, descriptions[code], clip(detail, maxErroText))
	e.ThreeDSServerTransID, e.DSTransID, e.ACSTransID = r.sti, r.dsti, r.ati
	return e
}

// clip cuts s to at most n bytes on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// idOf is the UUID under key, or "" when it is missing or malformed: an
// Erro carries only well-formed ids, which the DS can match.
func idOf(o *object, key string) string {
	if s, ok := jsonString(o.vals[key]); ok && isUUID(s) {
		return s
	}
	return ""
}

// stampVersion is the version an Erro about a message of version got
// carries: got when this ACS speaks it, else the highest version it speaks
// below got (2.1.0 when got is lower still), or 2.2.0 when got is no
// version number at all. The note (§9) leaves this to the specification;
// answering in a version the sender speaks too is the choice most likely
// to be read.
func stampVersion(got string) string {
	if SupportedVersion(got) {
		return got
	}
	g, ok := parseVersion(got)
	if !ok {
		return V220
	}
	best := V210
	for _, v := range Versions {
		if p, _ := parseVersion(v); lessVersion(p, g) {
			best = v
		}
	}
	return best
}

func parseVersion(s string) ([3]int, bool) {
	var p [3]int
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return p, false
	}
	for i, s := range parts {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || !allDigits(s) {
			return p, false
		}
		p[i] = n
	}
	return p, true
}

func lessVersion(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// unsupportedCode classifies a deviceChannel or messageCategory value this
// ACS does not take: "" when it is not a value of the protocol at all
// (a format error), 207 for a DS-reserved value (80–99) in 2.3.1, 305
// otherwise (a valid value for a transaction this ACS cannot serve, such
// as the app channel 01).
func unsupportedCode(s, v, protocolValue string) string {
	switch {
	case protocolValue != "" && s == protocolValue:
		return ErrTransactionData
	case codes(80, 99)(s, v):
		if v == V231 {
			return ErrReservedValue
		}
		return ErrTransactionData
	}
	return ""
}

// ParseAReq reads an AReq as the DS posts it and checks every field of the
// AReq table (fields.go) for its version, channel and category. A refusal
// is a ready-to-send Erro, errorComponent A, errorMessageType AReq,
// carrying the message's threeDSServerTransID and dsTransID when they are
// well-formed UUIDs. The first failing step decides the code:
//
//  1. 101: more than MaxAReqBody bytes, not a single JSON object in UTF-8,
//     or messageType not "AReq".
//  2. 102: messageVersion missing or not one of Versions (stamped as
//     stampVersion says).
//  3. 204: a key twice, at any depth (detail: the key, "a.b" when nested);
//     then 203: a key equal to a field name only when case is ignored
//     (detail: the key as sent).
//  4. deviceChannel and messageCategory, which the table's rules need:
//     201 when missing, 305 for the app channel 01 or a category this ACS
//     does not serve, 207 (2.3.1; 305 before) for a DS-reserved 80–99,
//     203 for anything else but 02/03 and 01/02.
//  5. 201: every required field missing (detail: the names, in table
//     order, comma separated).
//  6. 203: every present field malformed — wrong JSON type, null, empty,
//     too long, not in its list (detail: the names).
//  7. 202: a message extension not recognised with criticalityIndicator
//     true (detail: its id).
//
// Keys that are no field of the table are ignored, as are fields of
// another version; fields of the other channel are checked when sent.
func ParseAReq(body []byte) (AReq, *Erro) {
	var a AReq
	r := &refusal{typ: TypeAReq, v: V220}
	if len(body) > MaxAReqBody {
		return a, r.erro(ErrInvalidMessage, "message longer than "+strconv.Itoa(MaxAReqBody)+" bytes")
	}
	o, err := readObject(body, areqFold)
	if err != nil {
		return a, r.erro(ErrInvalidMessage, "message is not a single JSON object in UTF-8")
	}
	r.sti, r.dsti = idOf(o, "threeDSServerTransID"), idOf(o, "dsTransID")
	v, e := r.head(o)
	if e != nil {
		return a, e
	}

	// The channel and the category select the rules.
	var missing, malformed []string
	for _, g := range []struct{ name, app string }{{"deviceChannel", ChannelApp}, {"messageCategory", ""}} {
		raw, ok := o.vals[g.name]
		if !ok {
			missing = append(missing, g.name)
			continue
		}
		s, _ := jsonString(raw)
		if f := fieldNamed(g.name); !f.valid(s, v) {
			if code := unsupportedCode(s, v, g.app); code != "" {
				return a, r.erro(code, g.name+" "+s+" is not served by this ACS")
			}
			malformed = append(malformed, g.name)
		}
	}
	if len(missing) > 0 {
		return a, r.erro(ErrRequiredMissing, strings.Join(missing, ", "))
	}
	if len(malformed) > 0 {
		return a, r.erro(ErrFormat, strings.Join(malformed, ", "))
	}

	vi := versionIndex(v)
	vals := values{}
	rv := reflect.ValueOf(&a).Elem()
	for _, f := range areqFields {
		if f.p[vi][brw] == 'x' {
			continue
		}
		raw, ok := o.vals[f.name]
		if !ok {
			continue
		}
		val, scalar, ok := f.read(raw, v)
		if !ok {
			malformed = append(malformed, f.name)
			continue
		}
		if scalar != "" {
			vals[f.name] = scalar
		}
		if f.name == "threeDSRequestorChallengeInd" {
			a.ThreeDSRequestorChallengeInd = scalar
		} else if idx, ok := areqIndex[f.name]; ok {
			dst := rv.FieldByIndex(idx)
			if x := reflect.ValueOf(val); x.Type().AssignableTo(dst.Type()) {
				dst.Set(x)
			}
		}
	}
	ch := brw
	if vals["deviceChannel"] == Channel3RI {
		ch = tri
	}
	npa := vals["messageCategory"] == CategoryNonPayment
	for _, f := range areqFields {
		if _, ok := o.vals[f.name]; !ok && f.presence(vi, ch, npa, vals) == 'R' {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return a, r.erro(ErrRequiredMissing, strings.Join(missing, ", "))
	}
	if len(malformed) > 0 {
		return a, r.erro(ErrFormat, strings.Join(malformed, ", "))
	}
	if id := unknownCritical(a.MessageExtension); id != "" {
		return a, r.erro(ErrCriticalExtension, id)
	}
	a.Raw = append(json.RawMessage(nil), body...)
	return a, nil
}

func fieldNamed(name string) *field {
	for _, f := range areqFields {
		if f.name == name {
			return f
		}
	}
	panic("emv3ds: no field " + name)
}

// valid reports whether the string s is a well-formed value of f.
func (f *field) valid(s, v string) bool { return s != "" && f.chk(s, v) }

// read decodes and checks raw as a value of f in version v: the value to
// store, its scalar form for conditions ("" for objects), and whether it
// is well formed. null and "" are malformed for every field: a sender
// leaves out what it has no value for.
func (f *field) read(raw json.RawMessage, v string) (val any, scalar string, ok bool) {
	k := f.kind
	if k == kStrOrList {
		k = kString
		if v == V231 {
			k = kStrings
		}
	}
	if k == kObjOrList {
		k = kObject
		if v == V231 {
			k = kObjects
		}
	}
	switch k {
	case kString:
		s, ok := jsonString(raw)
		if !ok || !f.valid(s, v) {
			return nil, "", false
		}
		return s, s, true
	case kBool, kTrue:
		b := string(raw) == "true"
		if !b && (k == kTrue || string(raw) != "false") {
			return nil, "", false
		}
		return &b, strconv.FormatBool(b), true
	case kStrings:
		list, ok := jsonStrings(raw)
		if !ok || len(list) == 0 || len(list) > f.maxElems() {
			return nil, "", false
		}
		for _, s := range list {
			if !f.valid(s, v) {
				return nil, "", false
			}
		}
		return list, list[0], true
	case kObject:
		return raw, "", jsonKind(raw) == '{'
	case kObjects:
		var elems []json.RawMessage
		if jsonKind(raw) != '[' || json.Unmarshal(raw, &elems) != nil || len(elems) == 0 || len(elems) > f.maxElems() {
			return nil, "", false
		}
		for _, e := range elems {
			if jsonKind(e) != '{' {
				return nil, "", false
			}
		}
		return raw, "", true
	case kExtensions:
		exts, ok := readExtensions(raw, v)
		return exts, "", ok
	}
	return nil, "", false
}

func (f *field) maxElems() int {
	if f.max > 0 {
		return f.max
	}
	return 99
}

var extFold = foldIndex([]string{"name", "id", "criticalityIndicator", "data"})

// readExtensions checks a messageExtension array (note §10): at most 10
// elements (15 in 2.3.1), 81 920 bytes in all; each an object with a name
// and an id of 1 to 64 characters, a boolean criticalityIndicator and data
// (any JSON) of at most 8059 bytes. An element missing one of the four is
// malformed: the array is one data element.
func readExtensions(raw json.RawMessage, v string) ([]MessageExtension, bool) {
	max := 10
	if v == V231 {
		max = 15
	}
	var elems []json.RawMessage
	if len(raw) > maxExtensionsBytes || jsonKind(raw) != '[' || json.Unmarshal(raw, &elems) != nil ||
		len(elems) == 0 || len(elems) > max {
		return nil, false
	}
	out := make([]MessageExtension, 0, len(elems))
	for _, e := range elems {
		x, ok := readExtension(e)
		if !ok {
			return nil, false
		}
		out = append(out, x)
	}
	return out, true
}

func readExtension(raw json.RawMessage) (MessageExtension, bool) {
	var x MessageExtension
	if jsonKind(raw) != '{' {
		return x, false
	}
	o, err := readObject(raw, extFold)
	if err != nil || o.dup != "" || o.fold != "" {
		return x, false
	}
	name, ok1 := jsonString(o.vals["name"])
	id, ok2 := jsonString(o.vals["id"])
	crit := string(o.vals["criticalityIndicator"])
	data, ok3 := o.vals["data"]
	if !ok1 || !ok2 || !ok3 || (crit != "true" && crit != "false") ||
		!length(1, maxExtensionField)(name, "") || !length(1, maxExtensionField)(id, "") ||
		len(data) > maxExtensionData || string(data) == "null" {
		return x, false
	}
	return MessageExtension{Name: name, ID: id, CriticalityIndicator: crit == "true", Data: data}, true
}

// unknownCritical is the id of the first extension this ACS does not
// recognise and must (criticalityIndicator true), or "".
func unknownCritical(exts []MessageExtension) string {
	for _, x := range exts {
		if x.CriticalityIndicator && !recognisedExtensions[x.ID] {
			return x.ID
		}
	}
	return ""
}
