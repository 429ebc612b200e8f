package threeds

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// TLSFiles are the ACS's certificate and key (PEM; the DS trusts them, as
// server and as client of the RReq) and the DS's CA (PEM), as the scheme
// issued them.
type TLSFiles struct {
	Cert, Key, CA string
}

func (f TLSFiles) load() (tls.Certificate, *x509.CertPool, error) {
	cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err != nil {
		return cert, nil, fmt.Errorf("threeds: ACS certificate: %w", err)
	}
	pem, err := os.ReadFile(f.CA)
	if err != nil {
		return cert, nil, fmt.Errorf("threeds: DS CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return cert, nil, errors.New("threeds: DS CA file holds no PEM certificate")
	}
	return cert, pool, nil
}

// ServerTLS is the DS listener's TLS: the ACS's certificate, and a client
// certificate chaining to the DS's CA required of every caller (mutual
// TLS: only the DS may send AReqs). TLS 1.2 at least.
func ServerTLS(f TLSFiles) (*tls.Config, error) {
	cert, pool, err := f.load()
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}, nil
}

// ClientTLS is the RReq's TLS: the DS's server certificate must chain to
// its CA, and the ACS presents its certificate.
func ClientTLS(f TLSFiles) (*tls.Config, error) {
	cert, pool, err := f.load()
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}
