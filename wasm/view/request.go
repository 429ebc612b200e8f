package view

// Request is one POST the client must send to the edge: a same-origin path
// and a JSON body, both of edge/contract.
type Request struct {
	Path string
	Body []byte
}
