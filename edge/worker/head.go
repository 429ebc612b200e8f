package worker

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The glue passes a request's head to Go as one string, and Go passes the
// response's headers back as one string. Every JS value that crosses the
// JS↔Go bridge costs calls out of the wasm and a copy (a string: its
// length, then its bytes), and a browser's request carries 15-20 headers:
// as JS arrays of [name, value] they were some 60 crossings per request,
// as one string they are two.
//
// A request head is "\n"-terminated lines: the method, the URL, the client
// IP, request.cf's country, ASN (decimal, or empty), colo and TLS version,
// then one "name: value" line per header. Neither a parsed URL nor a header
// (the Fetch standard's Headers refuse CR and LF) can hold a newline, so
// the lines need no escaping.

// head is a parsed request head.
type head struct {
	method string
	url    string
	conn   Conn
	header http.Header
}

// parseHead parses the head the glue built.
func parseHead(s string) (head, error) {
	var fields [7]string
	for i := range fields {
		line, rest, ok := strings.Cut(s, "\n")
		if !ok {
			return head{}, fmt.Errorf("worker: request head: %d lines, want at least %d", i, len(fields))
		}
		fields[i], s = line, rest
	}
	h := head{
		method: fields[0],
		url:    fields[1],
		conn:   Conn{IP: fields[2], Country: fields[3], Colo: fields[5], TLSVersion: fields[6]},
		header: http.Header{},
	}
	if h.method == "" || h.url == "" {
		return head{}, fmt.Errorf("worker: request head: no method or URL")
	}
	if fields[4] != "" {
		asn, err := strconv.ParseInt(fields[4], 10, 64)
		if err != nil {
			return head{}, fmt.Errorf("worker: request head: ASN: %w", err)
		}
		h.conn.ASN = asn
	}
	for s != "" {
		line, rest, ok := strings.Cut(s, "\n")
		if !ok {
			return head{}, fmt.Errorf("worker: request head: unterminated header line %q", line)
		}
		name, value, ok := strings.Cut(line, ": ")
		if !ok || name == "" {
			return head{}, fmt.Errorf("worker: request head: bad header line %q", line)
		}
		h.header.Add(name, value)
		s = rest
	}
	return h, nil
}

// formatHeader writes h as the glue reads it: one "name: value\n" line per
// value, names in lower case. As net/http does when it writes a response,
// a name that is not a valid field name is left out and CR or LF in a
// value become spaces: a handler's bad header must not break the line
// format (nor, in the glue, make Headers throw).
func formatHeader(h http.Header) string {
	var b strings.Builder
	for k, vs := range h {
		if !validName(k) {
			continue
		}
		name := strings.ToLower(k)
		for _, v := range vs {
			b.WriteString(name)
			b.WriteString(": ")
			b.WriteString(newlineToSpace.Replace(v))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

var newlineToSpace = strings.NewReplacer("\n", " ", "\r", " ")

// validName reports whether k is an HTTP field name (RFC 9110 token).
func validName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
