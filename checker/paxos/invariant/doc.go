// Package invariant holds the Go twins of the invariants of spec/Paxos.tla,
// name for name. Each evaluates on an Abstract state that mirrors the spec's
// variables, reached from the implementation's global state through one
// function, FromWorld.
package invariant
