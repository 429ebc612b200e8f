// Package threeds is the issuer's EMV 3-D Secure door: what makes honnin an
// access control server (ACS) a card scheme's Directory Server (DS) can
// route purchases to (J/Secure 2.0 is JCB's EMV 3DS). It speaks the wire
// of edge/emv3ds and calls the same use cases (issuer/acs) as the merchant
// API:
//
//	POST /3ds/v2/areq                                   the DS's AReq → ARes or Erro (DS listener, mutual TLS)
//	POST /internal/v1/emv/challenges/{acsTransID}      the edge: a browser posted a CReq to the acsURL
//	POST /internal/v1/emv/methods/{threeDSServerTransID} the edge: the 3DS Method page's device data
//	RReq → DS                                           Results: after every challenge, from a durable queue
//
// The mapping of honnin's outcomes to EMV's codes (transStatus,
// transStatusReason, ECI, authenticationType and authenticationMethod,
// challengeCancel, interactionCounter) is written here once, in codes.go.
package threeds
