// Package e2e holds the integration suite: the whole stack in-process (the real Temporal
// server on SQLite, PostgreSQL, the sandbox over HTTP, the API and a worker) driven over HTTP,
// and the `partnerflow` binary killed with SIGKILL and restarted on the same data dir. It is
// the only test package that links the Temporal server; scripts/test runs it without -race.
package e2e
