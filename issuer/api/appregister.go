package api

import (
	"errors"
	"net/http"
	"unicode/utf8"

	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/issuer/acs"
)

type appRegisterRequest struct {
	RegistrationID string `json:"registration_id"`
	Password       string `json:"password"`
}

// appRegisterResponse is what an authenticator app needs. qr_png is the
// otpauth URI as a PNG (base64 in JSON) for a second device to scan.
type appRegisterResponse struct {
	OTPAuthURI string `json:"otpauth_uri"`
	QRPNG      []byte `json:"qr_png"`
	Period     int    `json:"period"`
	Digits     int    `json:"digits"`
	Algorithm  string `json:"algorithm"`
}

// registerApp is POST /v1/app/register: the cardholder's app redeems the
// registration ID (shown in the member site) and password (mailed). Every
// refusal is the same 403, whatever was wrong; a wrong password counts
// against the registration (5 void it).
func (s *Server) registerApp(w http.ResponseWriter, r *http.Request) error {
	var req appRegisterRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	if req.RegistrationID == "" || req.Password == "" {
		return jsonapi.BadRequest("registration_id and password are required")
	}
	// Characters, not bytes: an ID typed on a Japanese keyboard is
	// full-width (three bytes a digit), and acs reads it as typed.
	if utf8.RuneCountInString(req.RegistrationID) > 32 || len(req.Password) > 64 {
		return jsonapi.BadRequest("registration_id or password is too long")
	}
	reg, err := s.acs.Apps().Register(r.Context(), req.RegistrationID, req.Password)
	if errors.Is(err, acs.ErrRegistrationRefused) {
		return jsonapi.Errorf(http.StatusForbidden, "registration_refused",
			"the registration ID or password is wrong, expired or already used")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	jsonapi.Write(w, http.StatusOK, appRegisterResponse{OTPAuthURI: reg.URI, QRPNG: reg.QR,
		Period: reg.Credential.TOTP.Period, Digits: reg.Credential.TOTP.Digits, Algorithm: reg.Credential.TOTP.Algorithm})
	return nil
}
