package emv3ds

import (
	"errors"
	"fmt"
	"strings"
)

// maxBase64Field bounds a creq or threeDSMethodData form value: a CReq is a
// few hundred bytes, with extensions at most a few tens of KB.
const maxBase64Field = 128 << 10

// erro builds the ACS's refusal of a message of type typ of version v (an
// unsupported or empty v is stamped 2.2.0).
func erro(typ, v, code, desc, detail string) *Erro {
	if v == "" || !SupportedVersion(v) {
		v = V220
	}
	return &Erro{MessageType: TypeErro, MessageVersion: v, ErrorCode: code, ErrorComponent: ComponentACS,
		ErrorDescription: desc, ErrorDetail: detail, ErrorMessageType: typ}
}

var creqFold = foldIndex([]string{"messageType", "messageVersion", "threeDSServerTransID", "acsTransID",
	"challengeWindowSize", "messageExtension"})

// ParseCReq decodes and checks the creq form field of a browser challenge
// (note §5), base64url with or without padding. A refusal is an *Erro,
// errorMessageType CReq, carrying the ids that are well-formed UUIDs,
// decided in this order: 101 (not base64url, not one JSON object, or
// messageType not CReq), 102 (messageVersion), 204 (a key twice), 203 (a
// case-variant key), 201 (messageType, messageVersion,
// threeDSServerTransID, acsTransID, challengeWindowSize missing), 203 (ids
// not UUIDs, window not 01–05, extensions malformed), 202 (an unknown
// critical extension). Other keys (senders add dsTransID) are ignored.
func ParseCReq(field string) (CReq, *Erro) {
	var c CReq
	r := &refusal{typ: TypeCReq, v: V220}
	if field == "" || len(field) > maxBase64Field {
		return c, r.erro(ErrInvalidMessage, "creq is missing or too long")
	}
	b, err := DecodeBase64URL(field)
	if err != nil {
		return c, r.erro(ErrInvalidMessage, "creq is not base64url")
	}
	o, err := readObject(b, creqFold)
	if err != nil {
		return c, r.erro(ErrInvalidMessage, "creq is not a single JSON object in UTF-8")
	}
	r.sti, r.ati = idOf(o, "threeDSServerTransID"), idOf(o, "acsTransID")
	v, e := r.head(o)
	if e != nil {
		return c, e
	}
	c.MessageType, c.MessageVersion = TypeCReq, v
	exts, e := r.fields(o, v, []stringField{
		{"threeDSServerTransID", &c.ThreeDSServerTransID, isUUID},
		{"acsTransID", &c.ACSTransID, isUUID},
		{"challengeWindowSize", &c.ChallengeWindowSize, func(s string) bool { _, ok := WindowSizes[s]; return ok }},
	})
	c.MessageExtension = exts
	if e != nil {
		return c, e
	}
	return c, nil
}

var methodFold = foldIndex([]string{"threeDSServerTransID", "threeDSMethodNotificationURL"})

// ParseMethodData decodes the threeDSMethodData form field the requestor
// posts to the 3DS Method URL (note §7): base64url with or without padding
// of one JSON object with a UUID threeDSServerTransID and an http(s)
// threeDSMethodNotificationURL of at most 256 characters; a duplicate or
// case-variant key is refused, other keys ignored. The 3DS Method has no
// Erro (the requestor learns of a failure by its 10 s budget), so a
// refusal is a plain error.
func ParseMethodData(field string) (MethodData, error) {
	var m MethodData
	if field == "" || len(field) > maxBase64Field {
		return m, errors.New("threeDSMethodData is missing or too long")
	}
	b, err := DecodeBase64URL(field)
	if err != nil {
		return m, errors.New("threeDSMethodData is not base64url")
	}
	o, err := readObject(b, methodFold)
	if err != nil {
		return m, errors.New("threeDSMethodData is not a single JSON object in UTF-8")
	}
	switch {
	case o.dup != "":
		return m, fmt.Errorf("threeDSMethodData has %q twice", o.dup)
	case o.fold != "":
		return m, fmt.Errorf("threeDSMethodData has %q, a field name in the wrong case", o.fold)
	}
	id, ok := jsonString(o.vals["threeDSServerTransID"])
	if !ok || !isUUID(id) {
		return m, errors.New("threeDSMethodData needs a threeDSServerTransID that is a UUID")
	}
	u, ok := jsonString(o.vals["threeDSMethodNotificationURL"])
	if !ok || !webURL(256, "")(u, "") {
		return m, errors.New("threeDSMethodData needs a threeDSMethodNotificationURL that is an http(s) URL of at most 256 characters")
	}
	return MethodData{ThreeDSServerTransID: id, ThreeDSMethodNotificationURL: u}, nil
}

// ErroReply is ParseRRes's error when the DS answered the RReq with an
// Erro instead of an RRes: the DS refused the ACS's message.
type ErroReply struct {
	Erro *Erro
}

func (e *ErroReply) Error() string {
	return "emv3ds: the DS answered Erro " + e.Erro.ErrorCode + " (component " + e.Erro.ErrorComponent + "): " +
		e.Erro.ErrorDescription + ": " + e.Erro.ErrorDetail
}

var rresFold = foldIndex([]string{"messageType", "messageVersion", "threeDSServerTransID", "dsTransID",
	"acsTransID", "resultsStatus", "messageExtension"})

// ParseRRes reads the DS's answer to an RReq (note §6). An RRes needs
// messageType RRes, a supported messageVersion, UUID threeDSServerTransID,
// dsTransID and acsTransID, and resultsStatus 01, 02, 03 or 80–99; no
// key twice, none in the wrong case; an unknown critical extension is
// refused. When the body is an Erro the error is an *ErroReply carrying it
// (its fields as far as they are strings); any other refusal is an *Erro
// (errorMessageType RRes, 101, 102, 201, 203, 204 or 202) the ACS may send
// the DS. The caller checks that the ids are those of its RReq.
func ParseRRes(body []byte) (RRes, error) {
	var rr RRes
	r := &refusal{typ: TypeRRes, v: V220}
	if len(body) > MaxAReqBody {
		return rr, r.erro(ErrInvalidMessage, "message too long")
	}
	o, err := readObject(body, rresFold)
	if err != nil {
		return rr, r.erro(ErrInvalidMessage, "message is not a single JSON object in UTF-8")
	}
	if t, _ := jsonString(o.vals["messageType"]); t == TypeErro {
		e := &Erro{}
		for _, f := range []struct {
			name string
			dst  *string
		}{
			{"messageType", &e.MessageType}, {"messageVersion", &e.MessageVersion},
			{"threeDSServerTransID", &e.ThreeDSServerTransID}, {"acsTransID", &e.ACSTransID},
			{"dsTransID", &e.DSTransID}, {"errorCode", &e.ErrorCode}, {"errorComponent", &e.ErrorComponent},
			{"errorDescription", &e.ErrorDescription}, {"errorDetail", &e.ErrorDetail},
			{"errorMessageType", &e.ErrorMessageType},
		} {
			*f.dst, _ = jsonString(o.vals[f.name])
		}
		return rr, &ErroReply{Erro: e}
	}
	r.sti, r.dsti, r.ati = idOf(o, "threeDSServerTransID"), idOf(o, "dsTransID"), idOf(o, "acsTransID")
	v, e := r.head(o)
	if e != nil {
		return rr, e
	}
	rr.MessageType, rr.MessageVersion = TypeRRes, v
	resultsStatus := func(s string) bool { return oneOf("01", "02", "03")(s, v) || codes(80, 99)(s, v) }
	if _, e := r.fields(o, v, []stringField{
		{"threeDSServerTransID", &rr.ThreeDSServerTransID, isUUID},
		{"dsTransID", &rr.DSTransID, isUUID},
		{"acsTransID", &rr.ACSTransID, isUUID},
		{"resultsStatus", &rr.ResultsStatus, resultsStatus},
	}); e != nil {
		return rr, e
	}
	return rr, nil
}

// stringField is a required string member of a short message (CReq,
// RRes): where it goes and what it must look like.
type stringField struct {
	name string
	dst  *string
	ok   func(string) bool
}

// fields reads the required string members fs of o and its
// messageExtension, in the codes' precedence: every missing member (201),
// then every malformed one (203), then an unknown critical extension
// (202).
func (r *refusal) fields(o *object, v string, fs []stringField) ([]MessageExtension, *Erro) {
	var missing, malformed []string
	for _, f := range fs {
		raw, ok := o.vals[f.name]
		if !ok {
			missing = append(missing, f.name)
			continue
		}
		s, ok := jsonString(raw)
		if !ok || !f.ok(s) {
			malformed = append(malformed, f.name)
			continue
		}
		*f.dst = s
	}
	var exts []MessageExtension
	if raw, ok := o.vals["messageExtension"]; ok {
		if exts, ok = readExtensions(raw, v); !ok {
			malformed = append(malformed, "messageExtension")
		}
	}
	switch {
	case len(missing) > 0:
		return exts, r.erro(ErrRequiredMissing, strings.Join(missing, ", "))
	case len(malformed) > 0:
		return exts, r.erro(ErrFormat, strings.Join(malformed, ", "))
	}
	if id := unknownCritical(exts); id != "" {
		return exts, r.erro(ErrCriticalExtension, id)
	}
	return exts, nil
}
