// Package devmail is the development mail and SMS sink: an SMTP server that
// accepts any message, SMS endpoints speaking Twilio's Messages API and
// issuer/sms's signed webhook, the most recent of each kept in memory and
// shown in a small web inbox with a JSON API.
//
// It exists so that `make run` and the end-to-end tests can send real one-time
// code emails over real SMTP without an internet mail account, and then read
// the code back the way a cardholder would. It is not a mail server: nothing
// is relayed, nothing is written to disk, and it must only listen on loopback.
package devmail

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultMaxMessages is how many messages a Store keeps when NewStore is given
// a non-positive limit: enough for a long dev session, small enough to never
// matter for memory.
const DefaultMaxMessages = 1000

// maxStoredBytes caps the text and HTML bodies kept in a Store. The message
// count alone is no bound: 1000 messages at the SMTP size limit would be
// 10 GiB.
const maxStoredBytes = 128 << 20

// Message is one received mail as the inbox shows it. The JSON field names
// are the contract the e2e tests and the issuer's docs rely on.
type Message struct {
	ID         string    `json:"id"`
	From       string    `json:"from"`        // header From, decoded; envelope sender if absent
	To         []string  `json:"to"`          // envelope recipients (RCPT TO), so Bcc is visible
	Subject    string    `json:"subject"`     // RFC 2047 decoded
	Text       string    `json:"text"`        // first text/plain part, decoded to UTF-8
	HTML       string    `json:"html"`        // first text/html part, decoded to UTF-8
	ReceivedAt time.Time `json:"received_at"` // UTC
}

func (m Message) size() int {
	n := len(m.From) + len(m.Subject) + len(m.Text) + len(m.HTML)
	for _, to := range m.To {
		n += len(to)
	}
	return n
}

// clone returns m with its own To slice so callers cannot alias the store.
func (m Message) clone() Message {
	m.To = slices.Clone(m.To)
	if m.To == nil {
		m.To = []string{}
	}
	return m
}

// Store keeps the most recent messages in memory, oldest evicted first.
// It is safe for concurrent use.
type Store struct {
	mu    sync.Mutex
	max   int
	msgs  []Message // oldest first
	sms   []SMS     // oldest first; the limit applies to each list
	bytes int
	next  uint64
}

// NewStore returns an empty Store that keeps at most max messages
// (DefaultMaxMessages if max <= 0).
func NewStore(max int) *Store {
	if max <= 0 {
		max = DefaultMaxMessages
	}
	return &Store{max: max}
}

// Add stores m and returns it as stored: with a fresh ID and, if m had none,
// the current time as ReceivedAt. IDs are never reused, not even after Clear,
// so a link to an old message cannot silently show a newer one.
func (s *Store) Add(m Message) Message {
	m = m.clone()
	if m.ReceivedAt.IsZero() {
		m.ReceivedAt = time.Now()
	}
	m.ReceivedAt = m.ReceivedAt.UTC()

	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	m.ID = strconv.FormatUint(s.next, 10)
	s.msgs = appendBounded(s.msgs, m, s.max, &s.bytes)
	return m.clone()
}

// Messages returns the stored messages, newest first. When to is not empty
// only messages with to among their recipients are returned; addresses are
// compared case-insensitively because mailbox providers treat them so.
func (s *Store) Messages(to string) []Message {
	to = strings.TrimSpace(to)
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.msgs))
	for i := len(s.msgs) - 1; i >= 0; i-- {
		m := s.msgs[i]
		if to != "" && !slices.ContainsFunc(m.To, func(r string) bool { return strings.EqualFold(r, to) }) {
			continue
		}
		out = append(out, m.clone())
	}
	return out
}

// Message returns the message with the given id, if it is still stored.
func (s *Store) Message(id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.msgs {
		if m.ID == id {
			return m.clone(), true
		}
	}
	return Message{}, false
}

// Len reports how many messages are stored.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// Clear removes every mail (text messages stay: ClearSMS removes them). Tests call it (via DELETE /api/messages) to
// start from an empty inbox.
func (s *Store) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.msgs {
		s.bytes -= m.size()
	}
	s.msgs = nil
}

// appendBounded appends m to list and evicts its oldest entries beyond max,
// or while the store holds more than maxStoredBytes (keeping m), with
// *bytes, the store's running total, kept in step.
func appendBounded[T interface{ size() int }](list []T, m T, max int, bytes *int) []T {
	list = append(list, m)
	*bytes += m.size()
	drop := 0
	for len(list)-drop > max || (*bytes > maxStoredBytes && len(list)-drop > 1) {
		*bytes -= list[drop].size()
		drop++
	}
	if drop > 0 {
		clear(list[:drop]) // let the evicted bodies be collected
		list = list[drop:]
	}
	return list
}
