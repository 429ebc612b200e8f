package api

import (
	"net/http"
	"strconv"
	"time"

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
//
// The check takes a slot of the hashing budget in its Purchase lane, ahead
// of every portal sign-in. When even that lane is full (or its wait ran
// out, or the edge hung up) the answer is 503 busy with Retry-After: the
// password was not checked, and the edge counts no try.
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
	if len(creds) > 0 {
		slot, err := s.hashing.Acquire(r.Context(), passhash.Purchase)
		if err != nil {
			return busy(w, err)
		}
		ok, err = matchAny(slot, req.Password, creds)
		slot.Release()
		if err != nil {
			return err
		}
	}
	jsonapi.Write(w, http.StatusOK, passwordResponse{OK: ok})
	return nil
}

// matchAny checks password against every credential (no early return:
// the time does not tell which matched).
func matchAny(slot *passhash.Slot, password string, creds []store.Credential) (bool, error) {
	ok := false
	for _, c := range creds {
		match, err := slot.Verify(password, c.PasswordHash)
		if err != nil {
			return false, err
		}
		ok = ok || match
	}
	return ok, nil
}

// busy is the answer to a check the hashing budget did not run: refused,
// or abandoned by the caller while it waited (then nobody reads it).
func busy(w http.ResponseWriter, err error) error {
	if !passhash.NotChecked(err) {
		return err
	}
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(passhash.RetryAfter/time.Second))))
	return errBusy
}

var errBusy = jsonapi.Errorf(http.StatusServiceUnavailable, "busy",
	"the issuer is busy checking passwords; the password was not checked, retry shortly")
