// Package multipaxos is a deterministic Multi-Paxos core: a replicated log
// of client commands applied, slot by slot, to a key-value state machine
// (Get, Put and a compare-and-swap), after "Paxos Made Moderately Complex"
// (slots, no-ops, replicas that skip commands they have applied) and
// spec/MultiPaxos.tla, whose names it uses.
//
// Two roles, as in impl/paxos each a pure state machine on its own node:
//
//   - An acceptor keeps one promise (MaxBal) for every slot and, for each
//     slot, its last vote; both are durable (Durable, saved through
//     impl/storage before any message that announces them).
//   - A proposer is a leader and a replica. On a timeout it starts a new
//     ballot and runs phase 1 once, for every slot from the first one it
//     does not know to be chosen (the 1a carries that slot; each 1b
//     reports the acceptor's votes from it on). With a quorum of promises
//     it adopts, slot by slot, the command of the highest-ballot vote
//     reported, fills the holes below the highest reported slot with
//     no-ops, puts its waiting clients' commands in the slots after, and
//     then runs phase 2 slot by slot, with no new phase 1, for as long as
//     its ballot stands: a request that arrives then goes straight to
//     phase 2. At most Config.Pipeline slots are in flight (2a sent, not
//     yet chosen) at once. A nack (an acceptor's higher promise) makes it
//     step down. When a quorum voted for a slot's command, the leader
//     knows it is chosen and tells the other proposers (decided). As a
//     replica, every proposer applies the chosen slots strictly in order;
//     a command that its client's session has seen already (the dedup
//     table, which is part of the replicated state) takes no effect a
//     second time, and a retried command gets its first answer again.
//     Reads (Get) go through the log like writes.
//
// Two message types exist only in Go, as in impl/paxos: nack and decided.
//
// Node state is a plain value. Its slices are never written in place:
// every change copies (copy on write), so that a copy of a Node made
// with = shares slices safely with the original, as the explorer's and
// the simulator's states do.
//
// A catalogue of the bugs Multi-Paxos implementations have ([Bug]) is
// switched on through [Config.Bugs]; each is off by default.
package multipaxos
