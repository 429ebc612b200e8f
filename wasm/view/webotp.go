package view

// WebOTP keeps the browser's one WebOTP request (navigator.credentials.get
// with otp) in step with the model's OTPKey: Sync after every change says
// whether to abort the request running and whether to start one. A request
// the client aborted (a code submitted, Cancel, the end) may start again
// for the same key, say after a wrong code; one the browser settled
// (a code read, or the cardholder said no) does not, until a new code (a
// new key): asking again at once would loop on a refusal.
type WebOTP struct {
	running int    // the id of the request under way, 0 for none
	key     string // the key of the request under way, or of the last settled one
	last    int    // the last id given out
}

// Sync returns abort when the request under way must stop (its key is no
// longer the model's), and start with the id of a request to make for key
// (0 for none). key is Model.OTPKey.
func (w *WebOTP) Sync(key string) (abort bool, start int) {
	if w.running != 0 && w.key != key {
		abort = true
		w.running, w.key = 0, ""
	}
	if w.running == 0 && key != "" && key != w.key {
		w.last++
		w.running, w.key = w.last, key
		start = w.running
	}
	return abort, start
}

// Settled records that the browser ended request id on its own (resolved
// or rejected); a request aborted by Sync may still report it, late.
func (w *WebOTP) Settled(id int) {
	if id == w.running {
		w.running = 0
	}
}
