package emv3ds

import (
	"encoding/json"
	"errors"
)

// maxBase64Field bounds a creq or threeDSMethodData form value: a CReq is a
// few hundred bytes, with extensions at most a few tens of KB.
const maxBase64Field = 128 << 10

// erro builds the ACS's refusal of a message of type of version v.
func erro(typ, v, code, desc, detail string) *Erro {
	if v == "" || !SupportedVersion(v) {
		v = V220
	}
	return &Erro{MessageType: TypeErro, MessageVersion: v, ErrorCode: code, ErrorComponent: ComponentACS,
		ErrorDescription: desc, ErrorDetail: detail, ErrorMessageType: typ}
}

// ParseCReq decodes and checks the creq form field of a browser challenge.
// A refusal is an *Erro (101, 102, 201, 203, 204, 202).
func ParseCReq(field string) (CReq, *Erro) {
	var c CReq
	if field == "" || len(field) > maxBase64Field {
		return c, erro(TypeCReq, "", ErrInvalidMessage, "message received invalid", "creq is missing or too long")
	}
	b, err := DecodeBase64URL(field)
	if err != nil {
		return c, erro(TypeCReq, "", ErrInvalidMessage, "message received invalid", "creq is not base64url")
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, erro(TypeCReq, "", ErrInvalidMessage, "message received invalid", "creq is not a JSON object")
	}
	switch {
	case c.MessageType != TypeCReq:
		return c, erro(TypeCReq, c.MessageVersion, ErrInvalidMessage, "message received invalid", "messageType is not CReq")
	case !SupportedVersion(c.MessageVersion):
		return c, erro(TypeCReq, "", ErrVersion, "message version number not supported", "messageVersion")
	case c.ThreeDSServerTransID == "" || c.ACSTransID == "" || c.ChallengeWindowSize == "":
		return c, erro(TypeCReq, c.MessageVersion, ErrRequiredMissing, "required data element missing", "threeDSServerTransID, acsTransID, challengeWindowSize")
	}
	if _, ok := WindowSizes[c.ChallengeWindowSize]; !ok {
		return c, erro(TypeCReq, c.MessageVersion, ErrFormat, "format of one or more data elements invalid", "challengeWindowSize")
	}
	return c, nil
}

// ParseMethodData decodes the threeDSMethodData form field the requestor
// posts to the 3DS Method URL.
func ParseMethodData(field string) (MethodData, error) {
	var m MethodData
	if field == "" || len(field) > maxBase64Field {
		return m, errors.New("threeDSMethodData is missing or too long")
	}
	b, err := DecodeBase64URL(field)
	if err != nil {
		return m, errors.New("threeDSMethodData is not base64url")
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, errors.New("threeDSMethodData is not a JSON object")
	}
	if m.ThreeDSServerTransID == "" || m.ThreeDSMethodNotificationURL == "" {
		return m, errors.New("threeDSMethodData needs threeDSServerTransID and threeDSMethodNotificationURL")
	}
	return m, nil
}

// ParseAReq decodes an AReq. (Lenient first version; the strict field
// rules replace it.)
func ParseAReq(body []byte) (AReq, *Erro) {
	var a AReq
	if err := json.Unmarshal(body, &a); err != nil {
		return a, erro(TypeAReq, "", ErrInvalidMessage, "message received invalid", "not a JSON object")
	}
	if a.MessageType != TypeAReq {
		return a, erro(TypeAReq, a.MessageVersion, ErrInvalidMessage, "message received invalid", "messageType")
	}
	if !SupportedVersion(a.MessageVersion) {
		return a, erro(TypeAReq, "", ErrVersion, "message version number not supported", "messageVersion")
	}
	return a, nil
}

// ParseRRes decodes the DS's RRes. (Lenient first version.)
func ParseRRes(body []byte) (RRes, error) {
	var r RRes
	if err := json.Unmarshal(body, &r); err != nil {
		return r, err
	}
	if r.MessageType != TypeRRes || r.ResultsStatus == "" {
		return r, errors.New("emv3ds: not an RRes")
	}
	return r, nil
}
