package view

import "encoding/json"

// Request is one POST the client must send to the edge: a same-origin path
// and a JSON body.
type Request struct {
	Path string
	Body []byte
}

type startBody struct {
	SessionToken string `json:"session_token"`
	Device       Device `json:"device"`
}

type verifyBody struct {
	ChallengeToken string `json:"challenge_token"`
	Code           string `json:"code"`
}

type tokenBody struct {
	ChallengeToken string `json:"challenge_token"`
}

func newRequest(path string, body any) (Request, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return Request{}, err
	}
	return Request{Path: path, Body: b}, nil
}
