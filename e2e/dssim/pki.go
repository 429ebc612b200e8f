package dssim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// The files MakePKI writes into its folder. A scheme's DS CA signs both
// ends' certificates: the ACS's (which it presents as the AReq's server and
// as the RReq's client) and the DS's own (the other way round). The CA's
// key is never written: nobody can mint another certificate from the
// folder, and a missing file makes a fresh set.
const (
	CAFile      = "ds-ca.pem" // the DS's CA: the issuer's -ds-ca
	ACSCertFile = "acs.pem"   // the ACS's certificate: the issuer's -ds-cert
	ACSKeyFile  = "acs.key"   // its key: the issuer's -ds-key
	DSCertFile  = "ds.pem"    // the DS simulator's own certificate
	DSKeyFile   = "ds.key"    // its key
)

// certLifetime is how long the certificates are valid; a folder whose
// certificates expire within renewBefore is made again.
const (
	certLifetime = 2 * 365 * 24 * time.Hour
	renewBefore  = 24 * time.Hour
)

// PKI is the loaded folder: what the DS simulator presents and trusts.
type PKI struct {
	Dir string
	// CA is the pool with the DS's CA: the ACS's server and client
	// certificates must chain to it.
	CA *x509.CertPool
	// DS is the simulator's certificate (server for the RReq, client for
	// the AReq); ACS is the ACS's, for tests that play the ACS's side.
	DS, ACS tls.Certificate
}

// Path is the path of one of the folder's files.
func (p *PKI) Path(name string) string { return filepath.Join(p.Dir, name) }

// ClientTLS is the DS's side of the AReq connection: its client
// certificate, and only the DS CA trusted for the ACS's server certificate.
func (p *PKI) ClientTLS() *tls.Config {
	return &tls.Config{RootCAs: p.CA, Certificates: []tls.Certificate{p.DS}, MinVersion: tls.VersionTLS12}
}

// ServerTLS is the DS's side of the RReq connection: a client certificate
// chaining to the DS CA is required, in the handshake.
func (p *PKI) ServerTLS() *tls.Config {
	return &tls.Config{ClientCAs: p.CA, ClientAuth: tls.RequireAndVerifyClientCert,
		Certificates: []tls.Certificate{p.DS}, MinVersion: tls.VersionTLS12}
}

// MakePKI loads the folder dir, first writing a fresh CA and the two
// certificates into it when a file is missing, unreadable or near its end
// (keys mode 0600, the folder 0700). The certificates name 127.0.0.1, ::1
// and localhost: the simulator is a loopback test double.
func MakePKI(dir string) (*PKI, error) {
	if p, err := LoadPKI(dir); err == nil {
		return p, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("dssim: pki: %w", err)
	}
	if err := writePKI(dir, time.Now()); err != nil {
		return nil, err
	}
	return LoadPKI(dir)
}

// LoadPKI reads the folder MakePKI wrote; it fails when a file is missing
// or a certificate expires within a day.
func LoadPKI(dir string) (*PKI, error) {
	caPEM, err := os.ReadFile(filepath.Join(dir, CAFile))
	if err != nil {
		return nil, fmt.Errorf("dssim: pki: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("dssim: pki: no certificate in %s", CAFile)
	}
	p := &PKI{Dir: dir, CA: pool}
	for _, c := range []struct {
		cert, key string
		into      *tls.Certificate
	}{{DSCertFile, DSKeyFile, &p.DS}, {ACSCertFile, ACSKeyFile, &p.ACS}} {
		kp, err := tls.LoadX509KeyPair(filepath.Join(dir, c.cert), filepath.Join(dir, c.key))
		if err != nil {
			return nil, fmt.Errorf("dssim: pki: %w", err)
		}
		if time.Until(kp.Leaf.NotAfter) < renewBefore {
			return nil, fmt.Errorf("dssim: pki: %s expires %s", c.cert, kp.Leaf.NotAfter)
		}
		if _, err := kp.Leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			return nil, fmt.Errorf("dssim: pki: %s: %w", c.cert, err)
		}
		*c.into = kp
	}
	return p, nil
}

// writePKI makes the CA and the two certificates and writes them.
func writePKI(dir string, now time.Time) error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("dssim: pki: %w", err)
	}
	caTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "honnin dev Directory Server CA", Organization: []string{"honnin test scheme"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, ca, err := sign(caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	files := map[string][]byte{CAFile: pemBlock("CERTIFICATE", caDER)}
	for _, leaf := range []struct{ cn, cert, key string }{
		{"honnin ACS (dev)", ACSCertFile, ACSKeyFile},
		{"honnin dev Directory Server", DSCertFile, DSKeyFile},
	} {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return fmt.Errorf("dssim: pki: %w", err)
		}
		tmpl := &x509.Certificate{
			Subject:   pkix.Name{CommonName: leaf.cn, Organization: []string{"honnin test scheme"}},
			NotBefore: now.Add(-time.Hour),
			NotAfter:  now.Add(certLifetime),
			KeyUsage:  x509.KeyUsageDigitalSignature,
			// Both ends are servers for one message and clients for the
			// other: AReq DS→ACS, RReq ACS→DS.
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
			DNSNames:    []string{"localhost"},
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		}
		der, _, err := sign(tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return err
		}
		kder, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return fmt.Errorf("dssim: pki: %w", err)
		}
		files[leaf.cert] = pemBlock("CERTIFICATE", der)
		files[leaf.key] = pemBlock("PRIVATE KEY", kder)
	}
	// The keys first, each replacing any old file whole: a reader never
	// sees a new certificate with an old key for long, and a half-written
	// folder fails LoadPKI and is made again.
	for _, name := range []string{ACSKeyFile, DSKeyFile, ACSCertFile, DSCertFile, CAFile} {
		if err := writeFile(filepath.Join(dir, name), files[name]); err != nil {
			return err
		}
	}
	return nil
}

// sign makes a certificate of tmpl signed by parent's key, with a random
// serial number.
func sign(tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, signer *ecdsa.PrivateKey) ([]byte, *x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("dssim: pki: %w", err)
	}
	tmpl.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, nil, fmt.Errorf("dssim: pki: %w", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("dssim: pki: %w", err)
	}
	return der, c, nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// writeFile writes b to path through a temporary file, mode 0600 (the
// certificates too: the folder is the stack's, nobody else reads it).
func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("dssim: pki: %w", err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil { // an old tmp file keeps its mode
		return errors.Join(fmt.Errorf("dssim: pki: %w", err), os.Remove(tmp))
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("dssim: pki: %w", err)
	}
	return nil
}
