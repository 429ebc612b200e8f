package contract

import "time"

// Deadlines of the calls a cardholder waits for (a start, a resend: the
// issuer sends a code by mail or SMS while the screen waits). Each waiter
// gives up only after the one it waits for has answered, so the screen
// always says what happened:
//
//	SendTimeout + AnswerReserve <= IssuerDeadline < EdgeWait < ClientWait
//
// The send ends first, sent or not; the issuer then records which and
// answers "sent" or "failed" (the screen's "the code could not be sent,
// request a new code") before its deadline; the edge passes that answer on
// before the page's fetch gives up. Were the edge to give up first (as when
// the send had 30 s and the edge 15 s), the cardholder would read "issuer
// unavailable" while a code was on its way, or while none was.
//
// A send is never left running past the answer: the issuer cuts it at its
// own timeout and says "failed", and a code that was not sent is not
// usable (the challenge holds no code). What no deadline closes is the
// provider taking the message in the instant its answer is lost (the SMTP
// "250" after the final dot, the SMS gateway's 201): the cardholder may
// then receive a code the screen called "not sent"; that code does not
// verify (code_not_sent), and Resend sends one that does.
const (
	// SendTimeout bounds one code's send, every SMS gateway of a failover
	// included (each gets its share: issuer/cmd/issuer sms.go), and the
	// mail server's whole conversation.
	SendTimeout = 8 * time.Second
	// AnswerReserve is the part of IssuerDeadline kept after the send for
	// recording its outcome and minting the challenge token: a send
	// started late in the deadline gets less than SendTimeout.
	AnswerReserve = 3 * time.Second
	// IssuerDeadline bounds the issuer's work on a start or a resend, from
	// the request's arrival to its answer.
	IssuerDeadline = 12 * time.Second
	// EdgeWait is how long the edge waits for the issuer's answer to a
	// start, a resend or a password check (edge/issuerclient.CallTimeout).
	EdgeWait = 15 * time.Second
	// ClientWait is how long the challenge client waits for the edge
	// before its screen says there is a connection problem (wasm fetch).
	ClientWait = 20 * time.Second
)

// The order above, checked by the compiler: each constant is a valid
// uint only when the difference is not negative.
const (
	_ = uint(IssuerDeadline - SendTimeout - AnswerReserve)
	_ = uint(EdgeWait - IssuerDeadline - 1)
	_ = uint(ClientWait - EdgeWait - 1)
)
