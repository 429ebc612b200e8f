package view

import "encoding/json"

// Request is one POST the client must send to the edge: a same-origin path
// and a JSON body, both of edge/contract.
type Request struct {
	Path string
	Body []byte
}

func newRequest(path string, body any) (Request, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return Request{}, err
	}
	return Request{Path: path, Body: b}, nil
}
