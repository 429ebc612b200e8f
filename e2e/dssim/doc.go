// Package dssim is a Directory Server simulator with a minimal 3DS
// Requestor: a test double at honnin's true outside edge, the card
// scheme's server, speaking the real wire (EMV 3-D Secure 2.x JSON over
// mutually authenticated TLS).
//
//   - PKI (MakePKI): a DS CA and, signed by it, the ACS's certificate (the
//     issuer's -ds-cert, server for the AReq and client for the RReq) and
//     the DS's own, written as PEM into a folder.
//   - The DS's AReq (Client): forwards an AReq to the ACS over mutual TLS,
//     adding dsTransID, dsReferenceNumber and dsURL as a DS does, and reads
//     the ARes or Erro.
//   - The DS's RReq door (Receiver): HTTPS with client certificates from
//     the CA required; it records every RReq and answers RRes
//     resultsStatus 01, or is down (connection refused) or answers 500,
//     for the fault tests.
//   - A 3DS Requestor and its 3DS Server (Requestor): a checkout page that
//     runs the 3DS Method, has the DS send the AReq with the browser's own
//     fields, posts the CReq into an iframe of the requested window size,
//     and takes the final CRes (or Erro) at its notification URL. Every
//     step is recorded and readable as JSON (Remote reads it from another
//     process).
//
// bin/dssim (e2e/cmd/dssim) runs it beside the mail sink in `make run` and
// in the e2e suite; it is never part of a deployment.
package dssim
