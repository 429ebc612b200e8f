package api

import (
	"net/http"

	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/issuer/passhash"
	"github.com/honnin/honnin/issuer/store"
)

type passwordRequest struct {
	Gen      *int   `json:"gen"`
	Password string `json:"password"`
}

type passwordResponse struct {
	OK bool `json:"ok"`
}

// password is POST /internal/v1/authentications/{id}/password: the edge
// relays the legacy static password (seed 003) for the newest gen of a
// password challenge, and the issuer, which alone holds its hash, answers
// whether it is right. Counting and ending stay at the edge, exactly as for
// a wrong code; the edge's progress reports count the failures here.
func (s *Server) password(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.edgeCall(r, id); err != nil {
		return err
	}
	var req passwordRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	switch {
	case req.Gen == nil:
		return jsonapi.BadRequest("gen is required")
	case req.Password == "":
		return jsonapi.BadRequest("password is required")
	case !limits.ValidPassword(req.Password):
		// The one rule the client and the edge apply too: characters, not
		// bytes, so a Japanese password is not refused here after the
		// edge let it through.
		return jsonapi.BadRequest("password must be 1 to %d characters of UTF-8", limits.PasswordMaxRunes)
	}
	a, _, err := s.challengeable(r, id)
	if err != nil {
		return err
	}
	if a.Method != store.KindPassword {
		return jsonapi.Errorf(http.StatusConflict, "not_password", "this authentication is not a password challenge")
	}
	if *req.Gen != a.Gen {
		return challengeError(store.ErrSuperseded)
	}
	creds, err := s.store.ActiveCredentials(r.Context(), a.CardholderID, store.KindPassword)
	if err != nil {
		return err
	}
	ok := false
	for _, c := range creds {
		match, err := passhash.Verify(req.Password, c.PasswordHash)
		if err != nil {
			return err
		}
		ok = ok || match
	}
	jsonapi.Write(w, http.StatusOK, passwordResponse{OK: ok})
	return nil
}
