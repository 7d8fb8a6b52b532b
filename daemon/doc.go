// Package daemon runs one Multi-Paxos node for real (cmd/paxosd): the
// same core the explorer and the simulator check (impl/multipaxos),
// through the same runner (impl/runner), with a file store
// (impl/storage), frames over TCP (impl/transport), a real timer with
// randomized backoff, and an HTTP/JSON client API on proposers.
//
// One goroutine owns the node's state and takes its inputs one at a
// time: messages from the transport, its timer, client requests. Each
// step runs the core; the steps whose inputs were waiting together (up
// to 64) are then committed as a group, in the order the core's contract
// demands (DESIGN.md, "The deterministic core"):
//
//  1. each step's line is appended to the node's part of the cluster's
//     trace (traces/multipaxostrace, Header.Part), in one write, so
//     that a kill -9 leaves whole lines;
//  2. the group's last durable state (a node's durable state is whole,
//     so it holds the earlier ones) is saved once: what changed since the
//     last write (multipaxos.Delta) is appended to the node's log and
//     fsynced (storage.LogStore; runner.ApplyGroup);
//  3. then, step by step, its messages go out, each carrying the step's
//     Lamport clock and an id unique in the cluster; its clients are
//     answered and the timer is set.
//
// A message never leaves before the state it announces is durable and
// recorded. A node killed between 1 and 2 left lines of steps that
// nothing outside it saw (none of their messages or answers left) and
// whose state is not in its store: its restart cuts them from its part,
// so that the part records what happened. (Lines written after the
// write would instead leave a state on disk that no line records.) The
// last line of each group is marked (GroupEnd), so only the last group
// may be cut: a store that holds an earlier group's state lost a write
// the node made durable before it sent, and the node refuses to start.
// Config.LossyDisk makes that loss real for a node run without fsync:
// writes reach the file only when synced (storage.LogStore.Lossy), so a
// kill -9 loses what a power loss would.
//
// A restarted node (its part exists) crashes and restarts its core with
// what the store holds, and records the Restart with the state it
// loaded. A node stopped by SIGTERM records a Crash first: its volatile
// state is gone either way.
package daemon
