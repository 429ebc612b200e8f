package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"syscall"
	"time"
)

// Replicas is a stack whose issuer and native edge each run as two
// processes on one PostgreSQL (the issuer's database Config.IssuerDB, the
// edges' ledger EdgeDB), each pair behind a round-robin reverse proxy on
// the stack's issuer and edge ports: the merchant, the shop, the edges and
// the issuers' mails reach them only through the proxies, as they would
// through a load balancer.
type Replicas struct {
	*Stack
	// Issuers and Edges are the replicas' process names, for Kill.
	Issuers, Edges []string
	// IssuerURLs are the issuer replicas' own addresses (http://host:port),
	// in the order of Issuers, for a test to reach one past the proxy.
	IssuerURLs []string
	// IssuerDB and EdgeDB are the databases (postgres:// URLs).
	IssuerDB, EdgeDB string

	proxies []*http.Server
}

// replicaSpacing is how far apart (in ports) the replicas listen from
// the stack's own ports: replica i of the issuer on Ports.Issuer +
// (i+1)*replicaSpacing, and so on for its EMV door and the edges.
const replicaSpacing = 10

// StartReplicas starts the stack of cfg with two issuers and two native
// edges, as Replicas says. cfg.IssuerDB and edgeDB must be postgres://
// URLs (one database may serve both: the edge's tables are edge_*).
func StartReplicas(ctx context.Context, cfg Config, edgeDB string) (*Replicas, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if !isPostgres(cfg.IssuerDB) || !isPostgres(edgeDB) {
		return nil, errors.New("stack: replicas share PostgreSQL: IssuerDB and edgeDB must be postgres:// URLs")
	}
	if cfg.Edge != "" && cfg.Edge != "native" {
		return nil, errors.New("stack: replicas run the native edge")
	}
	s := newStack(cfg)
	if err := s.prepare(ctx); err != nil {
		return nil, err
	}
	r := &Replicas{Stack: s, IssuerDB: cfg.IssuerDB, EdgeDB: edgeDB}
	ok := false
	defer func() {
		if !ok {
			r.Stop()
		}
	}()
	edgeArgs := replace(s.nativeEdgeArgs(), "-db", edgeDB)
	p := cfg.Ports
	for _, st := range s.steps(edgeArgs) {
		switch st.name {
		case "issuer":
			var backends []string
			for i := range 2 {
				name := fmt.Sprintf("issuer-%d", i+1)
				addr := loopback(p.Issuer + (i+1)*replicaSpacing)
				acs := loopback(p.ACS + (i+1)*replicaSpacing)
				args := replace(replace(st.args, "-addr", addr), "-ds-addr", acs)
				if err := r.startOne(ctx, name, []string{addr, acs}, args, "http://"+addr+"/.well-known/jwks.json"); err != nil {
					return nil, err
				}
				r.Issuers, backends = append(r.Issuers, name), append(backends, addr)
				r.IssuerURLs = append(r.IssuerURLs, "http://"+addr)
			}
			if err := r.proxy(loopback(p.Issuer), backends); err != nil {
				return nil, err
			}
		case "edge":
			var backends []string
			for i := range 2 {
				name := fmt.Sprintf("edge-%d", i+1)
				addr := loopback(p.Edge + (i+1)*replicaSpacing)
				args := replace(st.args, "-addr", addr)
				if err := r.startOne(ctx, name, []string{addr}, args, "http://"+addr+"/healthz"); err != nil {
					return nil, err
				}
				r.Edges, backends = append(r.Edges, name), append(backends, addr)
			}
			if err := r.proxy(loopback(p.Edge), backends); err != nil {
				return nil, err
			}
		default:
			if err := r.startOne(ctx, st.name, st.listen, st.args, st.ready); err != nil {
				return nil, err
			}
		}
	}
	ok = true
	return r, nil
}

func isPostgres(dsn string) bool {
	u, err := url.Parse(dsn)
	return err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql")
}

// replace returns args with the value after flag set to v.
func replace(args []string, flag, v string) []string {
	out := append([]string(nil), args...)
	for i := range out[:len(out)-1] {
		if out[i] == flag {
			out[i+1] = v
		}
	}
	return out
}

func (r *Replicas) startOne(ctx context.Context, name string, listen, args []string, ready string) error {
	if err := r.spawn(name, listen, args); err != nil {
		return err
	}
	return r.waitReady(ctx, name, ready)
}

// proxy serves addr with RoundRobin(backends).
func (r *Replicas) proxy(addr string, backends []string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("stack: proxy on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: RoundRobin(backends), ReadHeaderTimeout: 5 * time.Second}
	r.proxies = append(r.proxies, srv)
	go srv.Serve(ln)
	return nil
}

// ReplicaHeader is the header in which RoundRobin names the backend
// (host:port) that answered, so a test can tell which replica served a
// request without trusting the order alone.
const ReplicaHeader = "Honnin-Replica"

// RoundRobin is a reverse proxy sending each request to the next of
// backends (host:port, plain HTTP) in turn. A backend that refuses the
// connection (a replica down) is skipped for the next: the request never
// reached it, so trying another is safe, which is what a load balancer's
// health check does, sooner.
func RoundRobin(backends []string) http.Handler {
	var next atomic.Uint64
	transport := &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		first := next.Add(1)
		for i := range len(backends) {
			backend := backends[(first+uint64(i))%uint64(len(backends))]
			out := req.Clone(req.Context())
			out.Body = io.NopCloser(bytes.NewReader(body))
			out.URL.Scheme, out.URL.Host, out.RequestURI = "http", backend, ""
			resp, err := transport.RoundTrip(out)
			if errors.Is(err, syscall.ECONNREFUSED) {
				continue
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			defer resp.Body.Close()
			for k, v := range resp.Header {
				w.Header()[k] = v
			}
			w.Header().Set(ReplicaHeader, backend)
			w.WriteHeader(resp.StatusCode)
			io.Copy(w, resp.Body)
			return
		}
		http.Error(w, "no replica answers", http.StatusBadGateway)
	})
}

// Kill ends the process name at once (SIGKILL, no drain), as a crash or
// a lost host would.
func (r *Replicas) Kill(name string) error {
	for _, p := range r.procs {
		if p.name == name {
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
			return nil
		}
	}
	return fmt.Errorf("stack: no process %q", name)
}

// Stop closes the proxies and stops every process.
func (r *Replicas) Stop() {
	for _, p := range r.proxies {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		p.Shutdown(ctx)
		cancel()
	}
	r.proxies = nil
	r.Stack.Stop()
}
