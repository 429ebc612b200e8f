// Package pgtest starts a throwaway PostgreSQL cluster for tests, so that
// the store's tests (and those of packages built on it) run against the
// real server with nothing set up beforehand, and runs a test on both of
// the store's engines: ForEachEngine runs it as an sqlite and a postgres
// subtest, each Engine giving fresh databases, empty or migrated.
//
// A test binary starts at most one cluster (initdb into a temporary
// folder, in memory under /dev/shm when there is room, then postgres
// listening on a unix socket only, with durability off: the data dies with
// the test) and gives every test a database of its own. The cluster runs
// as an unprivileged user: initdb and postgres refuse to run as root, so
// as root the processes take the uid of HONNIN_PG_USER, else honnin-test,
// else nobody.
//
// The binaries are found in HONNIN_PG_BIN, else the newest
// /usr/lib/postgresql/*/bin, else beside initdb on PATH. Without them the
// tests that need PostgreSQL skip, except when CI=true: then they fail, so
// that CI cannot pass having tested one engine only (edge/testenv.Need).
package pgtest
