package portal

// busyMessages are the texts of a password check the hashing budget
// refused (busy.go).
var busyMessages = map[string]map[string]string{
	"ja": {
		"busy.retry": "ただいま混み合っています。数秒おいてからもう一度お試しください。",
	},
	"en": {
		"busy.retry": "The service is busy right now. Please try again in a few seconds.",
	},
}
