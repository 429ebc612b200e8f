package jsonapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/jsonapi"
)

type inner struct {
	UA        string   `json:"ua"`
	Languages []string `json:"languages"`
}

type body struct {
	Token  string  `json:"token"`
	Gen    *int    `json:"gen"`
	Ratio  float64 `json:"ratio"`
	OK     bool    `json:"ok"`
	Device *inner  `json:"device"`
}

func request(ctype, b string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(b))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	return r
}

func TestDecode(t *testing.T) {
	const js = "application/json"
	tests := []struct {
		name, ctype, body string
		status            int // 0: accepted
		code, message     string
	}{
		{"ok", js, `{"token":"t","gen":1,"ratio":2.5,"ok":true,"device":{"ua":"u","languages":["ja"]}}`, 0, "", ""},
		{"charset", "application/json; charset=utf-8", `{}`, 0, "", ""},
		{"null", js, `null`, 0, "", ""},
		{"trailing space", js, "{}  \n", 0, "", ""},

		{"no content type", "", `{}`, 415, "unsupported_media_type", "Content-Type must be application/json"},
		{"text/plain", "text/plain", `{}`, 415, "unsupported_media_type", ""},
		{"form", "application/x-www-form-urlencoded", `token=t`, 415, "unsupported_media_type", ""},
		{"bad media type", "application/json; =", `{}`, 415, "unsupported_media_type", ""},
		{"json suffix", "application/jsonx", `{}`, 415, "unsupported_media_type", ""},

		{"too large", js, `{"token":"` + strings.Repeat("a", jsonapi.MaxBody) + `"}`, 413, "too_large", "body is larger than 65536 bytes"},
		{"too large after the value", js, `{}` + strings.Repeat(" ", jsonapi.MaxBody), 413, "too_large", ""},

		{"empty", js, ``, 400, "bad_request", "body is empty"},
		{"only space", js, `   `, 400, "bad_request", "body is empty"},
		{"truncated", js, `{"token":`, 400, "bad_request", "body is truncated JSON"},
		{"not JSON", js, `token=t`, 400, "bad_request", "body is not JSON (at byte 2)"},
		{"array", js, `[]`, 400, "bad_request", "body must be a JSON object"},
		{"string", js, `"x"`, 400, "bad_request", "body must be a JSON object"},
		{"string for integer", js, `{"gen":"1"}`, 400, "bad_request", "gen must be a JSON integer"},
		{"fraction for integer", js, `{"gen":1.5}`, 400, "bad_request", "gen must be a JSON integer"},
		{"integer for string", js, `{"token":1}`, 400, "bad_request", "token must be a JSON string"},
		{"string for number", js, `{"ratio":"2"}`, 400, "bad_request", "ratio must be a JSON number"},
		{"string for boolean", js, `{"ok":"true"}`, 400, "bad_request", "ok must be a JSON boolean"},
		{"array for object", js, `{"device":[]}`, 400, "bad_request", "device must be a JSON object"},
		{"string for array", js, `{"device":{"languages":"ja"}}`, 400, "bad_request", "device.languages must be a JSON array"},
		{"unknown field", js, `{"admin":true}`, 400, "bad_request", `unknown field "admin"`},
		{"unknown nested field", js, `{"device":{"gps":"35,139"}}`, 400, "bad_request", `unknown field "gps"`},
		{"two objects", js, `{}{}`, 400, "bad_request", "body must hold exactly one JSON value"},
		{"two objects spaced", js, `{} {}`, 400, "bad_request", "body must hold exactly one JSON value"},
		{"trailing garbage", js, `{}x`, 400, "bad_request", "body must hold exactly one JSON value"},
		{"trailing number", js, `{} 1`, 400, "bad_request", "body must hold exactly one JSON value"},
		{"trailing bracket", js, `{}]`, 400, "bad_request", "body must hold exactly one JSON value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v body
			err := jsonapi.Decode(httptest.NewRecorder(), request(tt.ctype, tt.body), &v)
			if tt.status == 0 {
				if err != nil {
					t.Fatalf("Decode = %v, want nil", err)
				}
				return
			}
			var e *jsonapi.Error
			if !errors.As(err, &e) {
				t.Fatalf("Decode = %v, want a *jsonapi.Error", err)
			}
			if e.Status != tt.status || e.Code != tt.code {
				t.Errorf("Decode = %d %s, want %d %s", e.Status, e.Code, tt.status, tt.code)
			}
			if tt.message != "" && e.Message != tt.message {
				t.Errorf("message %q, want %q", e.Message, tt.message)
			}
		})
	}
}

func TestDecodeFills(t *testing.T) {
	var v body
	r := request("application/json", `{"token":"t","gen":2,"device":{"ua":"u","languages":["ja","en"]}}`)
	if err := jsonapi.Decode(httptest.NewRecorder(), r, &v); err != nil {
		t.Fatal(err)
	}
	if v.Token != "t" || v.Gen == nil || *v.Gen != 2 || v.Device == nil || v.Device.UA != "u" || len(v.Device.Languages) != 2 {
		t.Errorf("decoded %+v", v)
	}
}

func checkHeaders(t *testing.T, w *httptest.ResponseRecorder, cacheControl string) {
	t.Helper()
	h := w.Header()
	if got := h.Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q", got)
	}
	if got := h.Get("Cache-Control"); got != cacheControl {
		t.Errorf("Cache-Control %q, want %q", got, cacheControl)
	}
}

func TestWrite(t *testing.T) {
	w := httptest.NewRecorder()
	jsonapi.Write(w, http.StatusCreated, map[string]int{"n": 1})
	if w.Code != http.StatusCreated || w.Body.String() != "{\"n\":1}\n" {
		t.Errorf("Write: %d %q", w.Code, w.Body)
	}
	checkHeaders(t, w, "no-store")

	// A Cache-Control the handler set is kept.
	w = httptest.NewRecorder()
	w.Header().Set("Cache-Control", "public, max-age=300")
	jsonapi.Write(w, http.StatusOK, struct{}{})
	checkHeaders(t, w, "public, max-age=300")

	// What cannot be encoded is a 500, not a half-written answer.
	w = httptest.NewRecorder()
	jsonapi.Write(w, http.StatusOK, func() {})
	checkError(t, w, http.StatusInternalServerError, "internal")
}

func checkError(t *testing.T, w *httptest.ResponseRecorder, status int, code string) jsonapi.ErrorBody {
	t.Helper()
	if w.Code != status {
		t.Errorf("status %d, want %d", w.Code, status)
	}
	checkHeaders(t, w, "no-store")
	var b jsonapi.ErrorBody
	dec := json.NewDecoder(w.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("error body: %v", err)
	}
	if b.Error != code {
		t.Errorf("error %q, want %q", b.Error, code)
	}
	return b
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		status  int
		code    string
		message string
		logged  bool
	}{
		{"nil", nil, http.StatusNoContent, "", "", false},
		{"api error", jsonapi.Errorf(http.StatusConflict, "superseded", "a newer code was sent (gen %d)", 3), http.StatusConflict, "superseded", "a newer code was sent (gen 3)", false},
		{"bad request", jsonapi.BadRequest("gen is required"), http.StatusBadRequest, "bad_request", "gen is required", false},
		{"wrapped api error", fmt.Errorf("ctx: %w", jsonapi.Errorf(http.StatusGone, "expired", "gone")), http.StatusGone, "expired", "gone", false},
		{"internal", errors.New("database is on fire at 10.0.0.7"), http.StatusInternalServerError, "internal", "internal error", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := jsonapi.Handle(slog.New(slog.NewTextHandler(&logs, nil)), func(w http.ResponseWriter, r *http.Request) error {
				if tt.err == nil {
					w.WriteHeader(http.StatusNoContent)
				}
				return tt.err
			})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/x", nil))
			if tt.err == nil {
				if w.Code != http.StatusNoContent || w.Body.Len() != 0 {
					t.Errorf("nil error: %d %q", w.Code, w.Body)
				}
			} else {
				b := checkError(t, w, tt.status, tt.code)
				if b.Message != tt.message {
					t.Errorf("message %q, want %q", b.Message, tt.message)
				}
			}
			if got := strings.Contains(logs.String(), "api: internal error"); got != tt.logged {
				t.Errorf("logged = %v, want %v: %s", got, tt.logged, logs.String())
			}
			if tt.logged && (!strings.Contains(logs.String(), "on fire") || !strings.Contains(logs.String(), "/v1/x")) {
				t.Errorf("log lacks the cause or the path: %s", logs.String())
			}
		})
	}
}

func TestWriteInternal(t *testing.T) {
	w := httptest.NewRecorder()
	jsonapi.WriteInternal(w)
	if b := checkError(t, w, http.StatusInternalServerError, "internal"); b.Message != "internal error" {
		t.Errorf("message %q", b.Message)
	}
}

func TestErrorString(t *testing.T) {
	if got := jsonapi.Errorf(http.StatusTeapot, "teapot", "short and %s", "stout").Error(); got != "418 teapot: short and stout" {
		t.Errorf("Error() = %q", got)
	}
}
