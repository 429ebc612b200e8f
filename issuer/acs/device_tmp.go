package acs

// deviceCookie stands in for the lead's issuer/acs/device.go until it is
// merged: DELETE THIS FILE at the merge (issue 15, i15-edge).
func (s *Service) deviceCookie(edgeCookie string) (setCookie string) { return "" }
