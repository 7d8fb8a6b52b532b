---------------------------- MODULE MCPaxosCrash ----------------------------
(***************************************************************************)
(* Models of PaxosCrash (cfgs MCPaxosCrash, MCBugPromiseNotPersisted,      *)
(* MCBugAcceptNotPersisted).                                               *)
(***************************************************************************)
EXTENDS PaxosCrash, TLC

CONSTANTS a1, a2, a3, v1, v2

(***************************************************************************)
(* Crashes treat acceptors and values alike, as Paxos does.                *)
(***************************************************************************)
Symmetry == Permutations({a1, a2, a3}) \cup Permutations({v1, v2})
=============================================================================
