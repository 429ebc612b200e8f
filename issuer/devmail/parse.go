package devmail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"

	"golang.org/x/text/encoding/htmlindex"
)

// maxPartDepth bounds multipart nesting so a hostile message cannot make the
// parser recurse without end. Real mail nests three or four levels at most.
const maxPartDepth = 10

// wordDecoder decodes RFC 2047 encoded words in any charset the WHATWG
// encoding index knows. Japanese mail still arrives as ISO-2022-JP or
// Shift_JIS, which the standard library alone cannot decode.
var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return nil, fmt.Errorf("devmail: unknown charset %q", charset)
	}
	return enc.NewDecoder().Reader(input), nil
}

// parsed is what the inbox shows of a raw message.
type parsed struct {
	from, subject, text, html string
}

// parse extracts the decoded From, Subject and the first text/plain and
// text/html bodies from a raw RFC 5322 message. It never fails: a sink must
// accept whatever a client under test sends, so a message it cannot parse is
// kept whole as text for a human to look at.
func parse(raw []byte) parsed {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return parsed{text: strings.ToValidUTF8(string(raw), "\uFFFD")}
	}
	p := parsed{
		from:    decodeFrom(msg.Header.Get("From")),
		subject: decodeHeader(msg.Header.Get("Subject")),
	}
	p.walk(msg.Header, msg.Body, 0)
	return p
}

func decodeHeader(v string) string {
	d, err := wordDecoder.DecodeHeader(v)
	if err != nil {
		d = v
	}
	return strings.ToValidUTF8(d, "\uFFFD")
}

// decodeFrom renders the first From address as `Name <addr>` with the name
// decoded, which is what a person wants to read in a list.
func decodeFrom(v string) string {
	if v == "" {
		return ""
	}
	list, err := (&mail.AddressParser{WordDecoder: wordDecoder}).ParseList(v)
	if err != nil || len(list) == 0 {
		return decodeHeader(v)
	}
	a := list[0]
	if a.Name == "" {
		return a.Address
	}
	return strings.ToValidUTF8(a.Name, "\uFFFD") + " <" + a.Address + ">"
}

// header is the common part of mail.Header and textproto.MIMEHeader.
type header interface{ Get(key string) string }

// walk descends into multipart bodies and keeps the first inline text/plain
// and text/html parts. Attachments and other types are skipped.
func (p *parsed) walk(h header, body io.Reader, depth int) {
	mediatype, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if mediatype == "" || (err != nil && err != mime.ErrInvalidMediaParameter) {
		mediatype, params = "text/plain", nil // RFC 2045 §5.2 default
	}
	if strings.HasPrefix(mediatype, "multipart/") {
		if depth >= maxPartDepth {
			return
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart keeps Content-Transfer-Encoding as sent, so that
			// base64 and quoted-printable are decoded in one place below.
			part, err := mr.NextRawPart()
			if err != nil {
				return
			}
			p.walk(part.Header, part, depth+1)
		}
	}
	if mediatype != "text/plain" && mediatype != "text/html" {
		return
	}
	if disp, _, _ := mime.ParseMediaType(h.Get("Content-Disposition")); disp == "attachment" {
		return
	}
	if (mediatype == "text/plain" && p.text != "") || (mediatype == "text/html" && p.html != "") {
		return
	}
	// A broken encoding still leaves the readable prefix: keep it.
	data, _ := io.ReadAll(transferDecoder(h.Get("Content-Transfer-Encoding"), body))
	s := decodeCharset(params["charset"], data)
	if mediatype == "text/plain" {
		p.text = s
	} else {
		p.html = s
	}
}

func transferDecoder(cte string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		// The base64 decoder skips \r and \n, which is all a mail line break is.
		return base64.NewDecoder(base64.StdEncoding, r)
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	default: // 7bit, 8bit, binary
		return r
	}
}

func decodeCharset(charset string, data []byte) string {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "", "utf-8", "utf8", "us-ascii":
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}
