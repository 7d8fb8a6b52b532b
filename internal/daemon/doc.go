// Package daemon runs one Multi-Paxos node for real (cmd/paxosd): the
// same core the explorer and the simulator check (impl/multipaxos),
// through the same runner (impl/runner), with a file store
// (impl/storage), frames over TCP (impl/transport), a real timer with
// randomized backoff, and an HTTP/JSON client API on proposers.
//
// One goroutine owns the node's state and takes its inputs one at a
// time: messages from the transport, its timer, client requests. Each
// step runs the core, then carries out its effects in the order the
// core's contract demands (DESIGN.md, "The deterministic core"), with
// the node's trace line written between the durable write and the
// sends:
//
//  1. the durable state is saved (fsync, then rename, then fsync of the
//     directory: storage.FileStore);
//  2. the step's line is appended to the node's part of the cluster's
//     trace (traces/multipaxostrace, Header.Part), in one write, so
//     that a kill -9 leaves whole lines;
//  3. the messages go out, each carrying the step's Lamport clock and an
//     id unique in the cluster;
//  4. the clients are answered and the timer is set.
//
// A message never leaves before the state it announces is durable and
// recorded. A node killed between 1 and 2 restarts from a state its
// part does not show; paxoscheck merge says so, rather than merge a
// trace that is not what reached the disk.
//
// A restarted node (its part exists) crashes and restarts its core with
// what the store holds, and records the Restart with the state it
// loaded. A node stopped by SIGTERM records a Crash first: its volatile
// state is gone either way.
package daemon
