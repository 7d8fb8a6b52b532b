// Package scenario holds named, deterministic Paxos scenarios: each is a
// fixed sequence of world.Actions applied through world.Recorder to a
// world.Setup, so that it yields the same trace on every run. They are the
// textbook cases of Paxos Made Simple (Lamport 2001), sections 2.2 and 2.3:
// the failure-free run, a proposer dying after each phase, dueling
// proposers, and an acceptor crash with and without durable promises.
//
// Every step is checked with checker/paxos/invariant.CheckWorld; the first
// violation is recorded in the trace header, so the one scenario built to
// break safety (promise-not-persisted) carries its counterexample with it.
package scenario
