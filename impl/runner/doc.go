// Package runner carries out the effects of one step of a node in the
// order the core's contract demands (DESIGN.md, "The deterministic core"):
// first the durable state is persisted, then the messages are sent, then
// the clients are answered, then the node's timer is armed or cancelled
// (timers are effects, not rules of the runtime). It is generic over the protocol (the types of
// its durable state, messages and client answers) and imports none: every
// protocol's runtime and the simulated world share it. A message that depends on a
// write never leaves before the write is durable: if the write fails,
// nothing is sent.
//
// This is the one place that order is written. The simulated world
// (checker/paxos/world) runs every step of every node through Apply, with a
// store over its own state (storage.Slot) and the simulated network; the
// explorer, the simulator and replay all go through the world. A real
// runtime runs a Node: the same core (behind the Core interface) and the
// same Apply, with a file store, a network transport and a real timer.
// (The state graph keeps timers as bits of its states, worked out before
// a successor is built, and passes no Timer.)
package runner
